namespace DicomTools.LabServer;

/// <summary>
/// The client connections Kestrel holds open. Kestrel ends a connection only after every request on it was read
/// and its handler (and so its journal entry) finished; so once no connection is open, the journal holds every
/// request any client ever sent, and a count read then is final rather than a snapshot of requests still in transit.
/// </summary>
public sealed class OpenConnections
{
    private readonly object _gate = new();
    private readonly HashSet<string> _open = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void Opened(string connectionId)
    {
        lock (_gate) { _open.Add(connectionId); Pulse(); }
    }

    internal void Closed(string connectionId)
    {
        lock (_gate) { _open.Remove(connectionId); Pulse(); }
    }

    /// <summary>How many are open, not counting <paramref name="except"/> (the asker's own connection).</summary>
    public int CountOthers(string? except)
    {
        lock (_gate) return _open.Count - (except != null && _open.Contains(except) ? 1 : 0);
    }

    /// <summary>
    /// Completes when no connection but <paramref name="except"/> is open (true), or after <paramref name="guard"/>
    /// (false): the guard only turns a hang into a failure.
    /// </summary>
    public async Task<bool> WaitUntilIdleAsync(string? except, TimeSpan guard, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(guard);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (CountOthers(except) == 0) return true;
                changed = _changed.Task;
            }
            try { await changed.WaitAsync(timeout.Token); }
            catch (OperationCanceledException) { return CountOthers(except) == 0; }
        }
    }

    private void Pulse()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
