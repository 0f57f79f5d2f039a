using System.Globalization;
using System.Text;

namespace PlasmaSharp.Cli;

/// <summary>put, get, rm: commands about named objects.</summary>
internal static class ObjectCommands
{
    /// <summary>Usage errors are reported before any connection is tried, so a typo never
    /// depends on whether a store is running.</summary>
    public static void ValidateBeforeConnecting(string command, Arguments a)
    {
        switch (command)
        {
            case "put":
                if (a.Positionals.Count != 1) throw new UsageException("put needs exactly one FILE ('-' for standard input)");
                if (a.Option("--id") is { } id) Arguments.ParseId(id);
                if (a.Positionals[0] != "-" && !File.Exists(a.Positionals[0]))
                    throw new LocalFileException($"cannot read {a.Positionals[0]}: no such file");
                break;
            case "get":
                if (a.Positionals.Count != 1) throw new UsageException("get needs exactly one ID");
                Arguments.ParseId(a.Positionals[0]);
                if (a.Option("--timeout") is { } t && (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long ms) || ms > int.MaxValue))
                    throw new UsageException($"--timeout: '{t}' is not a number of milliseconds");
                break;
            case "rm":
                if (a.Positionals.Count == 0) throw new UsageException("rm needs at least one ID");
                foreach (string p in a.Positionals) Arguments.ParseId(p);
                break;
            case "evict":
                if (a.Positionals.Count != 1) throw new UsageException("evict needs exactly one BYTES");
                Arguments.ParseBytes(a.Positionals[0], "evict");
                break;
            case "watch":
                if (a.Positionals.Count != 0) throw new UsageException("watch takes no arguments");
                if (a.Option("--count") is { } c && (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1))
                    throw new UsageException($"--count: '{c}' is not a positive number");
                break;
            case "ls" or "stats":
                if (a.Positionals.Count != 0) throw new UsageException($"{command} takes no arguments");
                break;
        }
    }

    public static int Put(Arguments a, PlasmaClient client, CliConsole console)
    {
        string file = a.Positionals[0];
        ObjectId id = a.Option("--id") is { } hex ? Arguments.ParseId(hex) : ObjectId.NewRandom();
        byte[] metadata = Encoding.UTF8.GetBytes(a.Option("--metadata") ?? "");
        long size;
        try
        {
            if (file == "-")
            {
                using var buffer = new MemoryStream();
                console.OpenStandardInput().CopyTo(buffer);
                size = buffer.Length;
                client.Put(id, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), metadata);
            }
            else
            {
                using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                size = source.Length;
                // Straight from the file into shared memory: no intermediate buffer, any size.
                using WritablePlasmaObject target = client.Create(id, size, metadata);
                using (Stream destination = target.OpenDataStream()) source.CopyTo(destination, 1 << 20);
                target.Seal();
            }
        }
        catch (ObjectExistsException)
        {
            throw new ObjectExistsException($"an object with id {id} already exists in the store (plasmasharp rm {id} first, or pick another --id)");
        }
        catch (IOException e)
        {
            throw new LocalFileException($"cannot read {file}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LocalFileException($"cannot read {file}: {e.Message}");
        }
        console.Out.WriteLine(id.ToString());
        console.Error.WriteLine($"stored {size} bytes{(metadata.Length > 0 ? $" + {metadata.Length} bytes of metadata" : "")} as {id}");
        return ExitCodes.Ok;
    }

    public static int Get(Arguments a, PlasmaClient client, CliConsole console)
    {
        ObjectId id = Arguments.ParseId(a.Positionals[0]);
        long timeoutMs = a.Option("--timeout") is { } t ? long.Parse(t, CultureInfo.InvariantCulture) : 0;
        string? output = a.Option("-o") ?? a.Option("--output");
        using PlasmaObject? obj = client.Get(id, TimeSpan.FromMilliseconds(timeoutMs));
        if (obj is null)
        {
            bool unsealed = client.List().Any(o => o.Id == id && !o.IsSealed);
            console.Error.WriteLine(unsealed
                ? $"plasmasharp: object {id} exists but is not sealed yet (its creator is still writing it; wait with --timeout MS)"
                : $"plasmasharp: object {id} is not in the store{(timeoutMs > 0 ? $" (waited {timeoutMs} ms)" : "")}");
            return ExitCodes.NotFound;
        }
        try
        {
            using Stream destination = output is null || output == "-"
                ? console.OpenStandardOutput()
                : new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            foreach (ReadOnlyMemory<byte> chunk in obj.GetDataChunks()) destination.Write(chunk.Span);
            destination.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LocalFileException($"cannot write {output ?? "standard output"}: {e.Message}");
        }
        if (output is not null && output != "-")
            console.Out.WriteLine($"{id}: {obj.DataLength} bytes written to {output}" +
                                  (obj.MetadataLength > 0 ? $" (metadata: {DescribeMetadata(obj.Metadata.Span)})" : ""));
        return ExitCodes.Ok;
    }

    public static int Remove(Arguments a, PlasmaClient client, CliConsole console)
    {
        ObjectId[] ids = a.Positionals.Select(Arguments.ParseId).ToArray();
        DeleteResult[] results = client.Delete(ids);
        int exit = ExitCodes.Ok;
        for (int i = 0; i < ids.Length; i++)
        {
            switch (results[i])
            {
                case DeleteResult.Deleted:
                    console.Out.WriteLine($"deleted {ids[i]}");
                    break;
                case DeleteResult.NotFound:
                    console.Error.WriteLine($"plasmasharp: object {ids[i]} is not in the store");
                    exit = ExitCodes.NotFound;
                    break;
                case DeleteResult.DeferredInUse:
                    console.Out.WriteLine($"in use {ids[i]}: the store deletes it once every client released it");
                    break;
                case DeleteResult.DeferredNotSealed:
                    console.Out.WriteLine($"unsealed {ids[i]}: the store deletes it once it is sealed and released");
                    break;
            }
        }
        return exit;
    }

    /// <summary>Metadata as text when it is printable (e.g. Ray's "RAW"), else as hex.</summary>
    internal static string DescribeMetadata(ReadOnlySpan<byte> metadata)
    {
        foreach (byte b in metadata)
            if (b < 0x20 || b > 0x7e) return "0x" + Convert.ToHexStringLower(metadata);
        return "\"" + Encoding.ASCII.GetString(metadata) + "\"";
    }
}
