// The process form: dotnet DicomTools.LabServer.dll --urls http://127.0.0.1:0 [--storage DIR] [--md-key K] ...
// Prints exactly one line on stdout once ready: "LabServer listening on http://127.0.0.1:<port>".
using DicomTools.LabServer;

LabServerOptions options;
try
{
    options = CommandLine.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("LabServer: " + e.Message);
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

LabServerHost server;
try
{
    server = await LabServerHost.StartAsync(options, handleConsoleSignals: true, CancellationToken.None);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    // The port is taken, or the storage folder cannot be created: one line that says which.
    Console.Error.WriteLine("LabServer: could not start: " + e.Message);
    return 1;
}

await using (server)
{
    Console.Out.WriteLine("LabServer listening on " + server.BaseAddress.GetLeftPart(UriPartial.Authority));
    Console.Out.Flush();
    await server.WaitForShutdownAsync();
}
return 0;
