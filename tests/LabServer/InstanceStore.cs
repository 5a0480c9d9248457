using System.Security.Cryptography;
using System.Text;

namespace DicomTools.LabServer;

/// <summary>One stored instance, as <c>GET /_admin/instances</c> lists it.</summary>
public sealed record StoredInstance(
    string ID, string SOPInstanceUID, string? StudyInstanceUID, string? SeriesInstanceUID, string PatientID,
    string? SOPClassUID, long Bytes, string Via, DateTimeOffset Time, string Path);

public enum StoreStatus { Success, AlreadyStored }

/// <summary>A file validated and waiting in the incoming area, ready to be committed.</summary>
internal sealed record PendingInstance(string TempPath, InstanceSummary Summary, long Bytes);

/// <summary>
/// Received files, indexed as Orthanc does: PatientID + Study/Series/SOP Instance UIDs decide identity,
/// and a second copy of the same identity keeps the first one (AlreadyStored).
/// </summary>
public sealed class InstanceStore
{
    private readonly Dictionary<string, StoredInstance> _byId = new(StringComparer.Ordinal);
    private readonly List<StoredInstance> _order = new();
    private readonly object _gate = new();

    internal InstanceStore(string storagePath)
    {
        StoragePath = storagePath;
        Directory.CreateDirectory(IncomingPath);
    }

    public string StoragePath { get; }

    /// <summary>Bodies are streamed here first, then moved into <see cref="StoragePath"/> once valid.</summary>
    internal string IncomingPath => System.IO.Path.Combine(StoragePath, ".incoming");

    public IReadOnlyList<StoredInstance> Instances
    {
        get { lock (_gate) return _order.ToArray(); }
    }

    public StoredInstance? Find(string sopInstanceUid)
    {
        lock (_gate) return _order.FirstOrDefault(i => i.SOPInstanceUID == sopInstanceUid);
    }

    internal string NewIncomingPath() => System.IO.Path.Combine(IncomingPath, Guid.NewGuid().ToString("N") + ".part");

    /// <summary>Orthanc's instance ID: SHA-1 of "PatientID|Study|Series|SOP", in five groups of 8 hex digits.</summary>
    public static string ComputeId(string patientId, string? study, string? series, string sop)
    {
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{patientId}|{study}|{series}|{sop}"));
        var hex = Convert.ToHexString(hash).ToLowerInvariant();
        return string.Join("-", Enumerable.Range(0, 5).Select(i => hex.Substring(i * 8, 8)));
    }

    internal (StoreStatus Status, StoredInstance Instance) Commit(PendingInstance pending, string via) =>
        CommitAll(new[] { pending }, via)[0];

    /// <summary>
    /// Stores every pending file or none: on an I/O failure midway, the files already moved are taken
    /// back out and the index is left as it was. Temp files of AlreadyStored instances are deleted.
    /// </summary>
    internal IReadOnlyList<(StoreStatus Status, StoredInstance Instance)> CommitAll(IReadOnlyList<PendingInstance> pending, string via)
    {
        lock (_gate)
        {
            var results = new List<(StoreStatus, StoredInstance)>(pending.Count);
            var added = new List<StoredInstance>();
            try
            {
                foreach (var p in pending)
                {
                    var s = p.Summary;
                    var id = ComputeId(s.PatientId, s.StudyInstanceUid, s.SeriesInstanceUid, s.SopInstanceUid);
                    if (_byId.TryGetValue(id, out var existing))
                    {
                        results.Add((StoreStatus.AlreadyStored, existing));
                        continue;
                    }
                    var final = System.IO.Path.Combine(StoragePath, id + ".dcm");
                    File.Move(p.TempPath, final, overwrite: true);
                    var instance = new StoredInstance(id, s.SopInstanceUid, s.StudyInstanceUid, s.SeriesInstanceUid, s.PatientId,
                        s.SopClassUid, p.Bytes, via, DateTimeOffset.UtcNow, final);
                    added.Add(instance);
                    _byId.Add(id, instance);
                    _order.Add(instance);
                    results.Add((StoreStatus.Success, instance));
                }
            }
            catch
            {
                foreach (var instance in added)
                {
                    _byId.Remove(instance.ID);
                    _order.Remove(instance);
                    TryDelete(instance.Path);
                }
                throw;
            }
            foreach (var p in pending) TryDelete(p.TempPath);
            return results;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            foreach (var i in _order) TryDelete(i.Path);
            _order.Clear();
            _byId.Clear();
        }
    }

    internal static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
