using System.Diagnostics;
using PlasmaSharp.Cli;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>The object service over TLS (--tls-cert/--tls-key on the holder, --tls-ca on the pullers),
/// alone and with the bearer token: trusted pullers get the bytes, others fail with a message that
/// says why, within their timeout, and leave nothing in their store.</summary>
[Collection(ClusterSuite.Name)]
public sealed class TlsTests : ClusterTestBase
{
    private async Task<NodeProcess> NodeAsync(string id, params string[] extra)
    {
        NodeProcess node = NodeProcess.StartWithStore(Redis.Connection, id, TempDir, extra: extra);
        Nodes.Add(node);
        await node.WaitRegisteredAsync();
        return node;
    }

    /// <summary>An object of a few chunks put on <paramref name="holder"/> and located there.</summary>
    private async Task<(ObjectId Id, byte[] Data)> PutAsync(NodeProcess holder, int seed)
    {
        var id = ObjectId.NewRandom();
        byte[] data = TestObjects.Bytes((3 << 20) + 17, seed);
        TestObjects.Put(holder.StoreSocket!, id, data, "tls"u8);
        await WaitUntilAsync(() => IsOnAsync(id, holder.Id), TimeSpan.FromSeconds(5), $"object on {holder.Id}");
        return (id, data);
    }

    /// <summary>`plasmasharp get ID --cluster` into <paramref name="into"/>'s store with a 2 s timeout;
    /// the exit code, standard error, and the data written (null if no file).</summary>
    private (int Code, string Error, byte[]? Data) GetThroughCli(NodeProcess into, ObjectId id, params string[] extra)
    {
        string output = Path.Combine(TempDir, $"out-{Guid.NewGuid():N}");
        var clock = Stopwatch.StartNew();
        var (code, _, error) = ThreeNodeTests.RunCli(["get", id.ToString(), "--cluster", "--socket", into.StoreSocket!, "--redis", Redis.Connection,
                                                      "--timeout", "2000", "--output", output, .. extra]);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 10); // a failure ends with the timeout, never hangs
        return (code, error, File.Exists(output) ? File.ReadAllBytes(output) : null);
    }

    [Fact]
    public async Task A_node_trusting_the_CA_pulls_from_a_TLS_holder_for_a_plain_Get()
    {
        TestCertificates certificates = TestCertificates.Write(TempDir, "cluster CA");
        NodeProcess a = await NodeAsync("a", "--tls-cert", certificates.Certificate, "--tls-key", certificates.Key);
        NodeProcess b = await NodeAsync("b", "--tls-ca", certificates.Ca);
        Assert.StartsWith("https://127.0.0.1:", (await Cluster.NodesAsync()).Single(n => n.Id == "a").TransferAddress, StringComparison.Ordinal);
        var (id, data) = await PutAsync(a, seed: 40);

        using var client = PlasmaClient.Connect(b.StoreSocket!);
        using PlasmaObject? got = client.Get(id, TimeSpan.FromSeconds(20));
        Assert.NotNull(got);
        Assert.True(got.Data.Span.SequenceEqual(data));
        Assert.True(got.Metadata.Span.SequenceEqual("tls"u8));
    }

    [Fact]
    public async Task A_puller_that_does_not_trust_the_certificate_fails_clearly_and_writes_nothing()
    {
        TestCertificates certificates = TestCertificates.Write(TempDir, "cluster CA");
        TestCertificates stranger = TestCertificates.Write(Path.Combine(TempDir, "other"), "another CA");
        NodeProcess a = await NodeAsync("a", "--tls-cert", certificates.Certificate, "--tls-key", certificates.Key);
        NodeProcess c = await NodeAsync("c");
        var (id, data) = await PutAsync(a, seed: 41);

        // The system's trust store, then a CA that did not sign a's certificate.
        foreach (string[] trust in new[] { Array.Empty<string>(), ["--tls-ca", stranger.Ca] })
        {
            var (code, error, written) = GetThroughCli(c, id, trust);
            Assert.Equal(ExitCodes.NotFound, code);
            Assert.Contains("from node a failed (TLS: The remote certificate is invalid", error, StringComparison.Ordinal);
            Assert.Contains("--tls-ca", error, StringComparison.Ordinal);
            Assert.Null(written);
            Assert.Null(TestObjects.Find(c.StoreSocket!, id));
        }
        Assert.False(a.HasExited);
        Assert.False(c.HasExited);

        // The same command trusting the right CA: the failures above were the certificate's.
        var trusted = GetThroughCli(c, id, "--tls-ca", certificates.Ca);
        Assert.Equal(ExitCodes.Ok, trusted.Code);
        Assert.Equal(data, trusted.Data);
    }

    [Fact]
    public async Task With_TLS_and_a_token_a_puller_needs_both()
    {
        TestCertificates certificates = TestCertificates.Write(TempDir, "cluster CA");
        string token = Path.Combine(TempDir, "token");
        File.WriteAllText(token, "tls-and-token\n");
        NodeProcess a = await NodeAsync("a", "--tls-cert", certificates.Certificate, "--tls-key", certificates.Key, "--token-file", token);
        NodeProcess b = await NodeAsync("b", "--tls-ca", certificates.Ca, "--token-file", token);
        NodeProcess c = await NodeAsync("c");
        var (id, data) = await PutAsync(a, seed: 42);

        var noToken = GetThroughCli(c, id, "--tls-ca", certificates.Ca);
        Assert.Equal(ExitCodes.NotFound, noToken.Code);
        Assert.Contains("Unauthenticated", noToken.Error, StringComparison.Ordinal);
        var noCa = GetThroughCli(c, id, "--token-file", token);
        Assert.Equal(ExitCodes.NotFound, noCa.Code);
        Assert.Contains("(TLS: The remote certificate is invalid", noCa.Error, StringComparison.Ordinal);
        Assert.Null(TestObjects.Find(c.StoreSocket!, id));
        var both = GetThroughCli(c, id, "--tls-ca", certificates.Ca, "--token-file", token);
        Assert.Equal(ExitCodes.Ok, both.Code);
        Assert.Equal(data, both.Data);

        // The node's own pull (a plain Get on b) carries both as well.
        using var client = PlasmaClient.Connect(b.StoreSocket!);
        using PlasmaObject? got = client.Get(id, TimeSpan.FromSeconds(20));
        Assert.NotNull(got);
        Assert.True(got.Data.Span.SequenceEqual(data));
    }
}
