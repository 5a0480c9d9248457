using System;
using System.Management.Automation;
using System.Reflection;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// Keeps <c>-Debug</c> usable unattended. For a compiled cmdlet, PowerShell's runtime still treats <c>-Debug</c>
    /// the Windows PowerShell way for the warning and verbose streams: their preference becomes Inquire, so the
    /// first warning asks "Continue?" and, in <c>pwsh -NonInteractive</c> (a scheduled task), ends the command with
    /// PSInvalidOperationException. Script cmdlets in PowerShell 7 do not prompt. Here a warning or verbose line
    /// under <c>-Debug</c> follows the session's own preference ($WarningPreference, $VerbosePreference) instead,
    /// as it would without <c>-Debug</c>; an explicit -WarningAction or -Verbose keeps its meaning.
    /// </summary>
    internal static class UnattendedStreams
    {
        // PowerShell 7's public door to "write without the Inquire": the same one Receive-Job and ThreadJob use.
        // Windows PowerShell 5.1 has no such type; there -Debug keeps prompting as it always did there.
        private static readonly Type? StreamObjectType =
            typeof(PSObject).Assembly.GetType("System.Management.Automation.Remoting.Internal.PSStreamObject");
        private static readonly Type? StreamKindType =
            typeof(PSObject).Assembly.GetType("System.Management.Automation.Remoting.Internal.PSStreamObjectType");
        private static readonly MethodInfo? WriteStreamObject =
            StreamObjectType?.GetMethod("WriteStreamObject", new[] { typeof(Cmdlet), typeof(bool) });

        public enum Stream { Warning, Verbose }

        /// <summary>
        /// True when <paramref name="text"/> was handled here (written without a prompt, or dropped because the
        /// session's preference says so); false when the caller should write it the ordinary way.
        /// </summary>
        public static bool TryWrite(PSCmdlet cmdlet, Stream stream, string text)
        {
            var bound = cmdlet.MyInvocation.BoundParameters;
            if (!bound.TryGetValue("Debug", out var debug) || !IsOn(debug)) return false;
            if (bound.ContainsKey(stream == Stream.Warning ? "WarningAction" : "Verbose")) return false;

            var preference = Preference(cmdlet, stream == Stream.Warning ? "WarningPreference" : "VerbosePreference",
                stream == Stream.Warning ? ActionPreference.Continue : ActionPreference.SilentlyContinue);
            if (preference == ActionPreference.SilentlyContinue || preference == ActionPreference.Ignore) return true;
            if (preference != ActionPreference.Continue || WriteStreamObject == null || StreamKindType == null) return false;

            var kind = Enum.Parse(StreamKindType, stream.ToString());
            var streamObject = Activator.CreateInstance(StreamObjectType!, kind, text);
            try
            {
                WriteStreamObject.Invoke(streamObject, new object[] { cmdlet, true });
            }
            catch (TargetInvocationException ex) when (ex.InnerException != null)
            {
                // PipelineStoppedException and friends must reach PowerShell as themselves.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            }
            return true;
        }

        private static bool IsOn(object? value) => value switch
        {
            SwitchParameter s => s.IsPresent,
            bool b => b,
            _ => false,
        };

        private static ActionPreference Preference(PSCmdlet cmdlet, string variable, ActionPreference fallback)
        {
            var value = cmdlet.GetVariableValue(variable);
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            if (value is ActionPreference preference) return preference;
            return value != null && Enum.TryParse(value.ToString(), true, out ActionPreference parsed) ? parsed : fallback;
        }
    }
}
