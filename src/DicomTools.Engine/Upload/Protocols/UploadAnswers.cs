using System;
using System.Globalization;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>One instance as a server's answer lists it.</summary>
    internal sealed class AnsweredInstance
    {
        public string? Name { get; set; }
        public string? SopInstanceUid { get; set; }
        public string? Id { get; set; }
        /// <summary>"Success", "AlreadyStored", or the server's failure text.</summary>
        public string? Status { get; set; }
        public bool Stored { get; set; }
        public bool AlreadyStored => string.Equals(Status, "AlreadyStored", StringComparison.OrdinalIgnoreCase);
        public string? Reason { get; set; }
        /// <summary>This instance's part of the answer, as JSON text.</summary>
        public string? Json { get; set; }
    }

    /// <summary>What a Raw upload's answer says (the original contract, Orthanc's /instances, the lab server).</summary>
    internal sealed class RawAnswer
    {
        public bool IsJson { get; set; }
        public string? Status { get; set; }
        public string? Id { get; set; }
        public string? SopInstanceUid { get; set; }
        public bool AlreadyStored => string.Equals(Status, "AlreadyStored", StringComparison.OrdinalIgnoreCase);
        public bool IsOrthancShaped { get; set; }
    }

    /// <summary>What a STOW-RS answer (PS3.18 §10.5.3, DICOM JSON) lists.</summary>
    internal sealed class StowRsAnswer
    {
        public bool IsJson { get; set; }
        public List<AnsweredInstance> Referenced { get; } = new List<AnsweredInstance>();
        public List<AnsweredInstance> Failed { get; } = new List<AnsweredInstance>();
    }

    /// <summary>What an archive upload's answer lists: the lab server's Stored/Failed, or Orthanc's array of stored instances.</summary>
    internal sealed class ArchiveAnswer
    {
        public bool IsJson { get; set; }
        public bool IsOrthancShaped { get; set; }
        public string? Status { get; set; }
        public List<AnsweredInstance> Stored { get; } = new List<AnsweredInstance>();
        public List<AnsweredInstance> Failed { get; } = new List<AnsweredInstance>();
    }

    /// <summary>Reads servers' answers. Per-file status comes from what an answer lists, never from the HTTP code alone.</summary>
    internal static class UploadAnswers
    {
        private const string ReferencedSopSequence = "00081199";
        private const string FailedSopSequence = "00081198";
        private const string ReferencedSopInstanceUid = "00081155";
        private const string FailureReason = "00081197";
        private const string WarningReason = "00081196";

        private static JsonDocument? TryParse(string? body)
        {
            if (string.IsNullOrWhiteSpace(body)) return null;
            try { return JsonDocument.Parse(body!); }
            catch (JsonException) { return null; }
        }

        private static string? Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        /// <summary>Orthanc describes a stored instance with its parents and a /instances/ path.</summary>
        private static bool LooksLikeOrthancInstance(JsonElement e) =>
            e.ValueKind == JsonValueKind.Object && Str(e, "ParentStudy") != null
            && (Str(e, "Path") ?? string.Empty).StartsWith("/instances/", StringComparison.Ordinal);

        public static RawAnswer ParseRaw(string? body)
        {
            var answer = new RawAnswer();
            using var doc = TryParse(body);
            if (doc == null || doc.RootElement.ValueKind != JsonValueKind.Object) return answer;
            var root = doc.RootElement;
            answer.IsJson = true;
            answer.Status = Str(root, "Status");
            answer.Id = Str(root, "ID");
            answer.SopInstanceUid = Str(root, "SOPInstanceUID");
            answer.IsOrthancShaped = LooksLikeOrthancInstance(root);
            return answer;
        }

        public static StowRsAnswer ParseStowRs(string? body)
        {
            var answer = new StowRsAnswer();
            using var doc = TryParse(body);
            // A STOW-RS answer is one dataset; some servers wrap it in an array of one.
            if (doc == null) return answer;
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0) root = root[0];
            if (root.ValueKind != JsonValueKind.Object) return answer;
            answer.IsJson = true;
            foreach (var item in SequenceItems(root, ReferencedSopSequence))
            {
                var warning = FirstValue(item, WarningReason);
                answer.Referenced.Add(new AnsweredInstance
                {
                    SopInstanceUid = FirstValue(item, ReferencedSopInstanceUid),
                    Status = "Success",
                    Stored = true,
                    Reason = warning == null ? null : "warning " + DescribeStowReason(warning),
                    Json = item.GetRawText(),
                });
            }
            foreach (var item in SequenceItems(root, FailedSopSequence))
            {
                var reason = FirstValue(item, FailureReason);
                answer.Failed.Add(new AnsweredInstance
                {
                    SopInstanceUid = FirstValue(item, ReferencedSopInstanceUid),
                    Status = "Failed",
                    Reason = reason == null ? "listed in the Failed SOP Sequence" : "failure reason " + DescribeStowReason(reason),
                    Json = item.GetRawText(),
                });
            }
            return answer;
        }

        /// <summary>PS3.18 Table I.2-1 / PS3.4 status codes as STOW-RS uses them (decimal in DICOM JSON).</summary>
        internal static string DescribeStowReason(string value)
        {
            if (!int.TryParse(value, out var code)) return value;
            string meaning;
            switch (code)
            {
                case 0xA700: meaning = "out of resources"; break;
                case 0xA900: meaning = "data set does not match SOP class"; break;
                case 0xC000: meaning = "cannot understand"; break;
                case 0xC122: meaning = "referenced transfer syntax not supported"; break;
                case 0x0110: meaning = "processing failure"; break;
                case 0x0122: meaning = "referenced SOP class not supported"; break;
                case 0xB000: meaning = "coercion of data elements"; break;
                case 0xB007: meaning = "data set does not match SOP class"; break;
                case 0xB006: meaning = "elements discarded"; break;
                default: meaning = "unknown"; break;
            }
            return $"0x{code:X4} ({meaning})";
        }

        private static IEnumerable<JsonElement> SequenceItems(JsonElement dataset, string tag)
        {
            if (!dataset.TryGetProperty(tag, out var element) || element.ValueKind != JsonValueKind.Object) yield break;
            if (!element.TryGetProperty("Value", out var value) || value.ValueKind != JsonValueKind.Array) yield break;
            foreach (var item in value.EnumerateArray())
                if (item.ValueKind == JsonValueKind.Object) yield return item;
        }

        private static string? FirstValue(JsonElement dataset, string tag)
        {
            if (!dataset.TryGetProperty(tag, out var element) || element.ValueKind != JsonValueKind.Object) return null;
            if (!element.TryGetProperty("Value", out var value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0) return null;
            var first = value[0];
            return first.ValueKind switch
            {
                JsonValueKind.String => first.GetString(),
                JsonValueKind.Number => first.GetRawText(),
                _ => null,
            };
        }

        public static ArchiveAnswer ParseArchive(string? body)
        {
            var answer = new ArchiveAnswer();
            using var doc = TryParse(body);
            if (doc == null) return answer;
            var root = doc.RootElement;
            answer.IsJson = true;
            if (root.ValueKind == JsonValueKind.Array)
            {
                // Orthanc: one object per stored entry; entries it could not read are simply absent.
                foreach (var item in root.EnumerateArray())
                {
                    if (!LooksLikeOrthancInstance(item)) continue;
                    answer.IsOrthancShaped = true;
                    answer.Stored.Add(OrthancInstance(item));
                }
                return answer;
            }
            if (root.ValueKind != JsonValueKind.Object) return answer;
            if (LooksLikeOrthancInstance(root))
            {
                answer.IsOrthancShaped = true;
                answer.Stored.Add(OrthancInstance(root));
                return answer;
            }
            answer.Status = Str(root, "Status");
            if (root.TryGetProperty("Stored", out var stored) && stored.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in stored.EnumerateArray())
                {
                    var status = Str(item, "Status") ?? "Success";
                    var ok = string.Equals(status, "Success", StringComparison.OrdinalIgnoreCase) || string.Equals(status, "AlreadyStored", StringComparison.OrdinalIgnoreCase);
                    var instance = new AnsweredInstance
                    {
                        Name = Str(item, "Name"), SopInstanceUid = Str(item, "SOPInstanceUID"), Id = Str(item, "ID"),
                        Status = status, Stored = ok, Json = item.GetRawText(),
                    };
                    (ok ? answer.Stored : answer.Failed).Add(instance);
                }
            }
            if (root.TryGetProperty("Failed", out var failed) && failed.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in failed.EnumerateArray())
                {
                    answer.Failed.Add(new AnsweredInstance
                    {
                        Name = Str(item, "Name"), SopInstanceUid = Str(item, "SOPInstanceUID"), Status = "Failed",
                        Reason = Str(item, "Reason"), Json = item.GetRawText(),
                    });
                }
            }
            return answer;
        }

        private static AnsweredInstance OrthancInstance(JsonElement item) => new AnsweredInstance
        {
            Id = Str(item, "ID"),
            Status = Str(item, "Status") ?? "Success",
            Stored = true,
            Json = item.GetRawText(),
        };

        /// <summary>Orthanc answers GET /system with its version and API version.</summary>
        public static bool IsOrthancSystemAnswer(string? body)
        {
            using var doc = TryParse(body);
            return doc != null && doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("ApiVersion", out _) && doc.RootElement.TryGetProperty("DatabaseVersion", out _);
        }
    }

    /// <summary>Orthanc's identifiers, which it derives from the DICOM identifiers (so a client can know them before sending).</summary>
    internal static class OrthancIds
    {
        /// <summary>SHA-1 of "PatientID|StudyInstanceUID|SeriesInstanceUID|SOPInstanceUID", as five dash-separated groups of 8 hex digits.</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "Orthanc defines its instance ids as SHA-1 of these identifiers; no security rests on it.")]
        public static string? InstanceId(UploadFile file)
        {
            if (file.SopInstanceUid == null || file.StudyInstanceUid == null || file.SeriesInstanceUid == null) return null;
            var key = (file.PatientId ?? string.Empty) + "|" + file.StudyInstanceUid + "|" + file.SeriesInstanceUid + "|" + file.SopInstanceUid;
            using var sha1 = SHA1.Create();
            var hash = sha1.ComputeHash(Encoding.UTF8.GetBytes(key));
            var hex = new StringBuilder(44);
            for (var i = 0; i < hash.Length; i++)
            {
                if (i > 0 && i % 4 == 0) hex.Append('-');
                hex.Append(hash[i].ToString("x2", CultureInfo.InvariantCulture));
            }
            return hex.ToString();
        }

        /// <summary>The Orthanc root for an upload endpoint: the URI up to /instances or /dicom-web (the host's root for other endpoints).</summary>
        public static Uri Root(Uri endpoint)
        {
            var path = endpoint.AbsolutePath;
            var root = "/";
            foreach (var marker in new[] { "/instances", "/dicom-web/" })
            {
                var at = path.LastIndexOf(marker, StringComparison.OrdinalIgnoreCase);
                if (at >= 0) { root = path.Substring(0, at); break; }
            }
            path = root;
            var builder = new UriBuilder(endpoint) { Path = path.TrimEnd('/') + "/", Query = string.Empty };
            return builder.Uri;
        }
    }
}
