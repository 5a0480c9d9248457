using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace DicomTools.LabServer;

/// <summary>
/// The reference lab server, in process: <c>await using var server = await LabServerHost.StartAsync(...)</c>.
/// Binds 127.0.0.1 only.
/// </summary>
public sealed class LabServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsStorage;
    private int _disposed;

    private LabServerHost(WebApplication app, LabServerOptions options, LabServerState state, bool ownsStorage)
    {
        _app = app;
        Options = options;
        State = state;
        _ownsStorage = ownsStorage;
        // A test host that exits without disposing the server must not leave its files in /tmp.
        if (ownsStorage) AppDomain.CurrentDomain.ProcessExit += DeleteOwnedStorage;
    }

    public LabServerOptions Options { get; }
    internal LabServerState State { get; }

    /// <summary>The real address, e.g. http://127.0.0.1:41234/ (with the trailing slash <see cref="Uri"/> adds).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public RequestJournal Journal => State.Journal;
    public OpenConnections Connections => State.Connections;
    public FaultInjector Faults => State.Faults;
    public InstanceStore Store => State.Store;
    public SampleRegistry Samples => State.Samples;
    public Received<ReceivedLog> Logs => State.Logs;
    public Received<AnalyticsJob> AnalyticsJobs => State.AnalyticsJobs;

    public static Task<LabServerHost> StartAsync(LabServerOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(options ?? new LabServerOptions(), handleConsoleSignals: false, cancellationToken);

    /// <param name="handleConsoleSignals">The process form stops on Ctrl+C / SIGTERM; in process, the host's owner stops it.</param>
    internal static async Task<LabServerHost> StartAsync(LabServerOptions options, bool handleConsoleSignals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ownsStorage = options.StoragePath == null;
        var storage = options.StoragePath ?? Path.Combine(Path.GetTempPath(), "dicomtools-labserver-" + Guid.NewGuid().ToString("N"));
        try { Directory.CreateDirectory(storage); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the storage folder '{storage}': {e.Message}", e);
        }

        var state = new LabServerState(options, new InstanceStore(storage), options.InstanceReader ?? new CodecInstanceReader());

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Use(next => async connection =>
            {
                state.Connections.Opened(connection.ConnectionId);
                try { await next(connection); }
                finally { state.Connections.Closed(connection.ConnectionId); }
            }));
            kestrel.AddServerHeader = false;
        });
        if (!handleConsoleSignals) builder.Services.AddSingleton<IHostLifetime, OwnerControlledLifetime>();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton(state);

        var app = builder.Build();
        app.UseMiddleware<JournalAndFaultMiddleware>();
        LabApi.Map(app, state);
        AdminApi.Map(app, state);

        var host = new LabServerHost(app, options, state, ownsStorage && !options.KeepStorage);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            host.DeleteOwnedStorage(null, EventArgs.Empty);
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return host;
    }

    /// <summary>Completes when the host is asked to stop (Ctrl+C / SIGTERM in the process form).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            DeleteOwnedStorage(null, EventArgs.Empty);
        }
    }

    private void DeleteOwnedStorage(object? sender, EventArgs e)
    {
        if (!_ownsStorage) return;
        AppDomain.CurrentDomain.ProcessExit -= DeleteOwnedStorage;
        try { Directory.Delete(Store.StoragePath, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private sealed class OwnerControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Everything the endpoints share.</summary>
internal sealed class LabServerState
{
    public LabServerState(LabServerOptions options, InstanceStore store, IInstanceReader reader)
    {
        Options = options; Store = store; Reader = reader;
    }
    public LabServerOptions Options { get; }
    public LabServerKeys Keys => Options.Keys;
    public InstanceStore Store { get; }
    public IInstanceReader Reader { get; }
    public RequestJournal Journal { get; } = new();
    public OpenConnections Connections { get; } = new();
    public FaultInjector Faults { get; } = new();
    public SampleRegistry Samples { get; } = new();
    public Received<ReceivedLog> Logs { get; } = new();
    public Received<AnalyticsJob> AnalyticsJobs { get; } = new();
    private long _logSeq;
    public long NextLogSeq() => Interlocked.Increment(ref _logSeq);
}

/// <summary>JSON as the server writes it: property names as given (the contract's casing), UTF-8 text unescaped.</summary>
public static class LabJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        PropertyNameCaseInsensitive = true,
    };

    internal static IResult Result(object value, int statusCode = 200, string contentType = "application/json; charset=utf-8") =>
        Results.Json(value, Options, contentType, statusCode);

    internal static IResult Error(int statusCode, string message) => Result(new { error = message }, statusCode);
}
