using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PlasmaSharp.Hosting;

// The conventional namespace of IServiceCollection extensions: found without an extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PlasmaSharp in a generic host: <see cref="AddPlasmaStore"/>,
/// <see cref="AddPlasmaClient"/>, <see cref="AddPlasmaHealthChecks"/>. Options are bound from the
/// <c>Plasma</c> configuration section (<c>Plasma:Store</c>, <c>Plasma:Client</c>,
/// <c>Plasma:Health</c>), then <c>configure</c> runs, then they are validated when the host starts.</summary>
public static class PlasmaServiceCollectionExtensions
{
    /// <summary>Runs a Plasma store (the bundled <c>plasma-store</c>) as a hosted service: it starts before
    /// the application's hosted services start and stops after they stopped. Inject
    /// <see cref="PlasmaStoreService"/> for its socket.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the options bound from <c>Plasma:Store</c>.</param>
    public static IServiceCollection AddPlasmaStore(this IServiceCollection services, Action<PlasmaStoreHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        Bind<PlasmaStoreHostOptions, PlasmaStoreHostOptionsValidator>(services, PlasmaStoreHostOptions.SectionName, configure);
        if (services.Any(d => d.ServiceType == typeof(PlasmaStoreService))) return services;
        services.AddSingleton<PlasmaStoreService>();
        // Registered before the application's services that come later: its StartingAsync and
        // StoppedAsync bracket every StartAsync/StopAsync anyway (IHostedLifecycleService).
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<PlasmaStoreService>());
        AddMetrics(services);
        return services;
    }

    /// <summary>Registers a <see cref="PlasmaClientPool"/> (singleton) of connections to the store at
    /// <see cref="PlasmaClientPoolOptions.SocketPath"/>, or to the hosted store when that is not set.
    /// Client operations are measured on the <c>PlasmaSharp</c> meter; the store's gauges are observed
    /// once the host has started.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the options bound from <c>Plasma:Client</c>.</param>
    public static IServiceCollection AddPlasmaClient(this IServiceCollection services, Action<PlasmaClientPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        Bind<PlasmaClientPoolOptions, PlasmaClientPoolOptionsValidator>(services, PlasmaClientPoolOptions.SectionName, configure);
        services.TryAddSingleton(sp => new PlasmaClientPool(
            sp.GetRequiredService<IOptions<PlasmaClientPoolOptions>>(),
            sp.GetRequiredService<ILogger<PlasmaClientPool>>(),
            sp.GetService<PlasmaStoreService>()));
        AddMetrics(services);
        return services;
    }

    /// <summary>Adds the health check <c>plasma</c> (tag <c>plasma</c>): healthy when the store answers a
    /// new connection within the timeout, degraded above the configured fill level, unhealthy otherwise.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the options bound from <c>Plasma:Health</c>.</param>
    /// <returns>The health checks builder, to add more checks.</returns>
    public static IHealthChecksBuilder AddPlasmaHealthChecks(this IServiceCollection services, Action<PlasmaHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        Bind<PlasmaHealthCheckOptions, PlasmaHealthCheckOptionsValidator>(services, PlasmaHealthCheckOptions.SectionName, configure);
        IHealthChecksBuilder builder = services.AddHealthChecks();
        if (!services.Any(d => d.ServiceType == typeof(PlasmaHealthCheck)))
        {
            services.AddSingleton<PlasmaHealthCheck>();
            builder.AddCheck<PlasmaHealthCheck>("plasma", tags: ["plasma"]);
        }
        return builder;
    }

    private static void Bind<TOptions, TValidator>(IServiceCollection services, string section, Action<TOptions>? configure)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        OptionsBuilder<TOptions> options = services.AddOptions<TOptions>();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>)))
        {
            options.BindConfiguration(section).ValidateOnStart();
            services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        }
        if (configure is not null) options.Configure(configure);
    }

    private static void AddMetrics(IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PlasmaStoreMetricsService>());
}
