namespace PlasmaSharp.Cli;

/// <summary>plasmasharp's exit codes: stable, for scripts (also listed by <c>plasmasharp --help</c>).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>Bad command line: unknown command or option, missing argument, malformed id or number, no socket given.</summary>
    public const int Usage = 1;
    /// <summary>An object named on the command line is not in the store.</summary>
    public const int NotFound = 2;
    /// <summary>The store cannot be reached (no socket, nobody listening) or hung up.</summary>
    public const int StoreUnreachable = 3;
    /// <summary>put: an object with this id already exists.</summary>
    public const int AlreadyExists = 4;
    /// <summary>put: the store has no room (even after evicting).</summary>
    public const int StoreFull = 5;
    /// <summary>A local file cannot be read or written.</summary>
    public const int FileError = 6;
    /// <summary>Any other error reported by the store or the client library.</summary>
    public const int StoreError = 7;
    /// <summary>Cluster commands: the cluster's Redis cannot be reached.</summary>
    public const int RedisUnreachable = 8;
    /// <summary>Stopped by Ctrl+C before finishing (the shell's 128 + SIGINT).</summary>
    public const int Interrupted = 130;

    internal const string Help =
        "exit codes: 0 ok, 1 usage error (bad arguments, malformed id, no socket), 2 object not found,\n" +
        "            3 store unreachable, 4 object already exists, 5 store full, 6 local file error,\n" +
        "            7 other store error, 8 Redis unreachable (cluster commands), 130 interrupted (Ctrl+C)";
}
