using PlasmaSharp.Cli;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>A Redis that requires a password: the connection string carries it to nodes and readers,
/// and without it nothing is read or written.</summary>
[Collection(ClusterSuite.Name)]
public sealed class SecurityTests : ClusterTestBase
{
    protected override string? RedisPassword => "s3cret-for-this-test";

    [Fact]
    public async Task The_password_in_the_connection_string_is_used_and_required()
    {
        NodeProcess[] nodes = await StartNodesAsync("guarded");
        using (var client = PlasmaClient.Connect(nodes[0].StoreSocket!))
        {
            var id = ObjectId.NewRandom();
            client.Put(id, new byte[10]);
            await WaitUntilAsync(() => IsOnAsync(id, "guarded"), TimeSpan.FromSeconds(5), "object published through an authenticated connection");
        }
        var (code, output, _) = ThreeNodeTests.RunCli("nodes", "--redis", Redis.Connection);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("guarded", output);

        var anonymous = ThreeNodeTests.RunCli("nodes", "--redis", $"127.0.0.1:{Redis.Port},connectTimeout=1000");
        Assert.Equal(ExitCodes.RedisUnreachable, anonymous.Code);
        Assert.DoesNotContain("guarded", anonymous.Out);
        var wrong = ThreeNodeTests.RunCli("ls", "--cluster", "--redis", $"127.0.0.1:{Redis.Port},password=wrong,connectTimeout=1000");
        Assert.Equal(ExitCodes.RedisUnreachable, wrong.Code);
    }
}
