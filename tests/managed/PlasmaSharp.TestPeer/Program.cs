// Usage: PlasmaSharp.TestPeer <socket> <object-id-hex> <timeout-ms>
// Prints "WAITING" once connected (right before Get), then "GOT <data-hex>" or "NONE".
using PlasmaSharp;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: PlasmaSharp.TestPeer <socket> <object-id-hex> <timeout-ms>");
    return 2;
}
using PlasmaClient client = PlasmaClient.Connect(args[0]);
ObjectId id = ObjectId.Parse(args[1]);
Console.WriteLine("WAITING");
Console.Out.Flush();
using PlasmaObject? obj = client.Get(id, TimeSpan.FromMilliseconds(long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)));
Console.WriteLine(obj is null ? "NONE" : "GOT " + Convert.ToHexStringLower(obj.Data.Span));
return 0;
