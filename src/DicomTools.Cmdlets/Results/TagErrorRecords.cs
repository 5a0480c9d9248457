using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DicomTools.Dicom.IO;
using DicomTools.Engine.Tagging;

namespace DicomTools.Cmdlets
{
    /// <summary>Error records and pipeline values shared by Set-DicomTags and Get-DicomTag.</summary>
    internal static class TagErrorRecords
    {
        /// <summary>One stable error id and category per kind of failure.</summary>
        public static ErrorRecord ForFailure(TagFileFailure failure, string target)
        {
            string id;
            ErrorCategory category;
            switch (failure.Kind)
            {
                case TagFailureKind.InvalidDicomFile: id = "DicomTools.InvalidDicomFile"; category = ErrorCategory.InvalidData; break;
                case TagFailureKind.InvalidTagValue: id = "DicomTools.InvalidTagValue"; category = ErrorCategory.InvalidArgument; break;
                case TagFailureKind.NotFound: id = "DicomTools.FileNotFound"; category = ErrorCategory.ObjectNotFound; break;
                case TagFailureKind.IsDirectory: id = "DicomTools.PathIsFolder"; category = ErrorCategory.InvalidArgument; break;
                case TagFailureKind.AccessDenied:
                case TagFailureKind.ReadOnly: id = "DicomTools.AccessDenied"; category = ErrorCategory.PermissionDenied; break;
                case TagFailureKind.IOError: id = "DicomTools.FileIOError"; category = ErrorCategory.WriteError; break;
                case TagFailureKind.InvalidDestination: id = "DicomTools.InvalidDestination"; category = ErrorCategory.InvalidArgument; break;
                case TagFailureKind.NotRegularFile: id = "DicomTools.NotRegularFile"; category = ErrorCategory.InvalidArgument; break;
                case TagFailureKind.ChangedWhileEditing: id = "DicomTools.FileChangedWhileEditing"; category = ErrorCategory.WriteError; break;
                default: id = "DicomTools.TagUpdateFailed"; category = ErrorCategory.NotSpecified; break;
            }
            var message = failure.Kind == TagFailureKind.ReadOnly && failure.Exception is ReadOnlyFileException readOnly
                ? $"{failure.Message} Use -Force to replace it anyway (the {(readOnly.Protection.StartsWith("mode", StringComparison.Ordinal) ? "mode" : "attribute")} is kept), or {readOnly.HowToClear}."
                : failure.Kind == TagFailureKind.IsDirectory
                    ? $"{failure.Message} Pipe them, e.g. Get-ChildItem -LiteralPath '{target}' -Recurse -File -Filter *.dcm | …"
                    : failure.Message;
            return new ErrorRecord(failure.Exception, id, category, target) { ErrorDetails = new ErrorDetails(message) };
        }

        /// <summary>What to do about a file the destination cannot take, in Set-DicomTags' parameters.</summary>
        public static string WhatToDo(DestinationProblem problem) => problem switch
        {
            DestinationProblem.OutsideBaseFolder => "Run from the folder that holds the files, or give -RelativeTo <folder>.",
            DestinationProblem.OntoItself => "Choose a -Destination other than the source folder (or leave -Destination out to edit in place).",
            _ => "Leave the destination out of the input (e.g. Get-ChildItem -Recurse | Where-Object FullName -notlike '<destination>*') "
                + "or choose a -Destination outside the source tree.",
        };

        /// <summary>PowerShell wrappers off, recursively through lists, so the Engine sees plain .NET values.</summary>
        public static object? Unwrap(object? value)
        {
            if (value is PSObject ps) value = ps.BaseObject;
            if (value is string || value is IDictionary || value == null) return value;
            if (value is IEnumerable list) return list.Cast<object?>().Select(Unwrap).ToList();
            return value;
        }

        /// <summary>A hashtable's or an object's properties as name/value pairs.</summary>
        public static IEnumerable<KeyValuePair<string, object?>> Fields(object value)
        {
            var baseObject = value is PSObject ps ? ps.BaseObject : value;
            if (baseObject is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                    yield return new KeyValuePair<string, object?>(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, Unwrap(entry.Value));
                yield break;
            }
            foreach (var property in PSObject.AsPSObject(value).Properties)
            {
                if (!property.IsGettable) continue;
                object? propertyValue;
                try { propertyValue = property.Value; }
                catch (GetValueException) { continue; }
                if (propertyValue is IDictionary && property.Name == "AdditionalFields") continue;
                yield return new KeyValuePair<string, object?>(property.Name, Unwrap(propertyValue));
            }
        }
    }
}
