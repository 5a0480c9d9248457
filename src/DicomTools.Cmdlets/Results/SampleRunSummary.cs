using System;
using System.Collections.Generic;
using System.Linq;
using DicomTools.Cmdlets.Commands;
using DicomTools.Engine.Analytics;
using DicomTools.Engine.Output;
using DicomTools.Engine.Run;

namespace DicomTools.Cmdlets
{
    /// <summary>What one Invoke-SampleUpload run did: the line an admin reads first, and what a script checks.</summary>
    public sealed class SampleRunSummary
    {
        internal SampleRunSummary(SampleRunResult result, string? envFile)
        {
            SampleId = result.SampleId;
            AttemptNumber = result.AttemptNumber;
            PatientId = result.PatientId;
            Directory = result.Directory;
            FilesFound = result.FilesFound;
            Updated = result.Updated;
            Unchanged = result.Unchanged;
            Uploaded = result.Uploaded;
            AlreadyStored = result.AlreadyStored;
            Failed = result.Failed;
            FailedFiles = new JoinedList<FailedFile>(result.FailedFiles);
            Analytics = result.Analytics is AnalyticsAnswer answer ? StartSampleAnalyticsCommand.ToPSObject(answer.Fields) : result.Analytics;
            LogPath = result.LogPath;
            LogSubmitted = result.LogSubmitted;
            EnvFile = envFile;
            Duration = result.Duration;
            Succeeded = result.Succeeded;
            FailedStage = result.Succeeded ? null : result.FailedStage.ToString();
            FailureMessage = result.FailureMessage;
        }

        public string SampleId { get; }
        public int AttemptNumber { get; }
        /// <summary>The PatientID written to the files (&lt;SampleId&gt;-&lt;attempt as 3 digits&gt;); null when the metadata never came.</summary>
        public string? PatientId { get; }
        public string Directory { get; }
        public int FilesFound { get; }
        public int Updated { get; }
        public int Unchanged { get; }
        /// <summary>Files the server stored in this run.</summary>
        public int Uploaded { get; }
        public int AlreadyStored { get; }
        public int Failed { get; }
        /// <summary>Each file not on the server, with the step and the reason; printed as "name.dcm (Upload): reason; ...".</summary>
        public IReadOnlyList<FailedFile> FailedFiles { get; }
        /// <summary>The analytics API's answer; null when analytics was not started.</summary>
        public object? Analytics { get; }
        public string? LogPath { get; }
        public bool LogSubmitted { get; }
        public string? EnvFile { get; }
        public TimeSpan Duration { get; }
        /// <summary><see cref="Duration"/> in seconds, for Measure-Object and CSV.</summary>
        public double DurationSec => Duration.TotalSeconds;
        public bool Succeeded { get; }
        public string? FailedStage { get; }
        public string? FailureMessage { get; }

        public override string ToString() =>
            $"{SampleId} attempt {AttemptNumber}: {(Succeeded ? "succeeded" : "FAILED")} ({FilesFound} found, {Uploaded} uploaded, {AlreadyStored} already stored, {Failed} failed)";
    }
}
