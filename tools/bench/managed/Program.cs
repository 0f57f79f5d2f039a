using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using PlasmaSharp.Bench;

// plasma-bench-cs [--quick|--full] [--store-socket PATH] [--store-executable PATH] [--artifacts DIR]
//                 [--filter PATTERN]
// The C# figures of issue 7 (tools/bench/README.md). Runs in-process (no per-benchmark child
// build): the native library is the one copied beside this program.
string mode = "quick";
string artifacts = Path.Combine("artifacts", "bench", "managed");
var filters = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": mode = "quick"; break;
        case "--full": mode = "full"; break;
        case "--store-socket": Environment.SetEnvironmentVariable("PLASMA_BENCH_SOCKET", args[++i]); break;
        case "--store-executable": Environment.SetEnvironmentVariable("PLASMA_BENCH_STORE_EXE", args[++i]); break;
        case "--artifacts": artifacts = args[++i]; break;
        case "--filter": filters.Add(args[++i]); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
Environment.SetEnvironmentVariable("PLASMA_BENCH_MODE", mode);

Job job = mode == "quick"
    // Short job: enough to get a median of a few iterations while the whole bench stays < 3 min.
    ? Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(150))
    : Job.Default;
job = job.WithToolchain(InProcessEmitToolchain.Instance).WithId(mode);

IConfig config = ManualConfig.CreateEmpty()
    .AddJob(job)
    .AddLogger(ConsoleLogger.Default)
    .AddColumnProvider(DefaultColumnProviders.Instance)
    .AddExporter(JsonExporter.Full, MarkdownExporter.GitHub)
    .WithArtifactsPath(Path.GetFullPath(artifacts))
    .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
if (filters.Count > 0)
    config = config.AddFilter(new BenchmarkDotNet.Filters.GlobFilter(filters.ToArray()));

try
{
    var summary = BenchmarkRunner.Run(
        [typeof(SmallObjectBenchmarks), typeof(LargeObjectBenchmarks), typeof(ZeroCopyGetBenchmarks)], config);
    bool failed = summary.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
    return failed ? 1 : 0;
}
finally
{
    BenchStore.Stop();
}
