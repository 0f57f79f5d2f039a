using System.Text;

namespace PlasmaSharp.Cli;

/// <summary>put, get, rm: commands about named objects.</summary>
internal static class ObjectCommands
{
    public static int Put(string file, ObjectId? givenId, string metadataText, PlasmaClient client, CliConsole console)
    {
        ObjectId id = givenId ?? ObjectId.NewRandom();
        byte[] metadata = Encoding.UTF8.GetBytes(metadataText);
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
                // From the file into shared memory in 1 MiB pieces: any size, and a bar that moves.
                using WritablePlasmaObject target = client.Create(id, size, metadata);
                using (Stream destination = target.OpenDataStream())
                    TransferProgress.Run(console.Terminal, $"put {Path.GetFileName(file)}", size, report =>
                    {
                        byte[] piece = new byte[TransferProgress.StepBytes];
                        int n;
                        while ((n = source.Read(piece)) > 0)
                        {
                            destination.Write(piece, 0, n);
                            report(n);
                        }
                    });
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

    public static int Get(ObjectId id, long timeoutMs, string? output, PlasmaClient client, CliConsole console)
    {
        using PlasmaObject? obj = client.Get(id, TimeSpan.FromMilliseconds(timeoutMs));
        if (obj is null)
        {
            bool unsealed = client.List().Any(o => o.Id == id && !o.IsSealed);
            console.Error.WriteLine(unsealed
                ? $"plasmasharp: object {id} exists but is not sealed yet (its creator is still writing it; wait with --timeout MS)"
                : $"plasmasharp: object {id} is not in the store{(timeoutMs > 0 ? $" (waited {timeoutMs} ms)" : "")}");
            return ExitCodes.NotFound;
        }
        return Write(obj, id, output, console);
    }

    /// <summary>Writes an object obtained by get (local or --cluster) to the file or standard output.</summary>
    public static int Write(PlasmaObject obj, ObjectId id, string? output, CliConsole console)
    {
        try
        {
            using Stream destination = output is null || output == "-"
                ? console.OpenStandardOutput()
                : new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            // Progress only when the data goes to a file: on standard output it would mix with the data.
            TransferProgress.Run(output is null || output == "-" ? null : console.Terminal, $"get {id}", obj.DataLength, report =>
            {
                foreach (ReadOnlyMemory<byte> chunk in obj.GetDataChunks())
                    for (int offset = 0; offset < chunk.Length; offset += TransferProgress.StepBytes)
                    {
                        ReadOnlyMemory<byte> piece = chunk.Slice(offset, Math.Min(TransferProgress.StepBytes, chunk.Length - offset));
                        destination.Write(piece.Span);
                        report(piece.Length);
                    }
            });
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

    public static int Remove(ObjectId[] ids, PlasmaClient client, CliConsole console)
    {
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
