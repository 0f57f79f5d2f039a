using System.Globalization;
using PlasmaSharp;
using PlasmaSharp.Demo;

// plasmasharp-demo [--store-socket PATH] [--rows N] [--consumers N] [--no-crosslang]
//   The main job: start the bundled plasma-store (or use an existing one), put one Arrow record
//   batch, let consumer processes read it zero-copy, print what happened.
// plasmasharp-demo consume SOCKET ID
//   Consumer mode (the demo re-launches itself in this mode).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
try
{
    if (args.Length > 0 && args[0] == "consume")
    {
        if (args.Length != 3 || !ObjectId.TryParse(args[2], out ObjectId id))
        {
            Console.Error.WriteLine("usage: plasmasharp-demo consume SOCKET ID(40 hex)");
            return 1;
        }
        return Consumer.Run(args[1], id);
    }
    DemoOptions? options = DemoOptions.Parse(args, Console.Error);
    if (options is null) return 1;
    return await Producer.RunAsync(options);
}
catch (PlasmaException e)
{
    Console.Error.WriteLine($"plasmasharp-demo: {e.Message}");
    return 3;
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine($"plasmasharp-demo: {e.Message}");
    return 3;
}

namespace PlasmaSharp.Demo
{
    internal sealed class DemoOptions
    {
        public string? StoreSocket { get; private set; }
        public int Rows { get; private set; } = 10_000_000;
        public int CSharpConsumers { get; private set; } = 2;
        public bool CrossLanguage { get; private set; } = true;
        public long StoreCapacity { get; private set; } = 1L << 30;

        public const string Usage =
            "usage: plasmasharp-demo [--store-socket PATH] [--rows N] [--consumers N] [--store-memory BYTES] [--no-crosslang]\n" +
            "  --store-socket PATH   use a running store (ours or Arrow's plasma-store-server) instead of starting one\n" +
            "  --rows N              rows in the record batch (default 10000000)\n" +
            "  --consumers N         C# consumer processes (default 2)\n" +
            "  --store-memory BYTES  capacity of the embedded store (default 1073741824 = 1 GiB)\n" +
            "  --no-crosslang        skip the Node.js and Python consumers";

        public static DemoOptions? Parse(string[] args, TextWriter error)
        {
            var o = new DemoOptions();
            for (int i = 0; i < args.Length; i++)
            {
                string arg = args[i];
                string? Value()
                {
                    int eq = arg.IndexOf('=');
                    if (eq > 0) return arg[(eq + 1)..];
                    return i + 1 < args.Length ? args[++i] : null;
                }
                string name = arg.Split('=')[0];
                switch (name)
                {
                    case "--store-socket":
                        o.StoreSocket = Value();
                        if (string.IsNullOrEmpty(o.StoreSocket)) return Fail("--store-socket needs a path");
                        break;
                    case "--rows":
                        if (!int.TryParse(Value(), out int rows) || rows < 1 || rows > 100_000_000) return Fail("--rows needs a number from 1 to 100000000");
                        o.Rows = rows;
                        break;
                    case "--consumers":
                        if (!int.TryParse(Value(), out int n) || n < 0 || n > 16) return Fail("--consumers needs a number from 0 to 16");
                        o.CSharpConsumers = n;
                        break;
                    case "--store-memory":
                        if (!long.TryParse(Value(), out long bytes) || bytes < 1 << 20) return Fail("--store-memory needs a byte count of at least 1048576");
                        o.StoreCapacity = bytes;
                        break;
                    case "--no-crosslang":
                        o.CrossLanguage = false;
                        break;
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        Environment.Exit(0);
                        break;
                    default:
                        return Fail($"unknown argument '{arg}'");
                }
            }
            return o;

            DemoOptions? Fail(string why)
            {
                error.WriteLine($"plasmasharp-demo: {why}\n{Usage}");
                return null;
            }
        }
    }
}
