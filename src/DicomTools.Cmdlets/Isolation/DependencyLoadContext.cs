using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace DicomTools.Cmdlets.Isolation
{
    /// <summary>
    /// PowerShell 7 only. The private load context that holds DicomTools.Engine and the third-party assemblies
    /// it brings (the pattern of "Resolving PowerShell module assembly dependency conflicts"). The cmdlet
    /// assembly, in the default context, references only the Engine; the default context cannot find it (it is
    /// in dependencies/), so <see cref="ResolveForCmdlets"/> hands it over from here. From then on the runtime asks
    /// this context first for everything the Engine references, and <see cref="Load"/> answers from
    /// dependencies/, so the Engine gets our Polly.Core even when another module loaded another one.
    /// </summary>
    /// <remarks>
    /// The cmdlet layer targets netstandard2.0, whose API has no AssemblyLoadContext: the type comes from the
    /// System.Runtime.Loader 4.3.0 reference assembly, compile time only (on .NET Core the runtime forwards it
    /// to its own). Compiling against it beats reflection: <see cref="Load"/> must be an override, which
    /// reflection cannot provide without emitting a type.
    /// </remarks>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        internal const string EngineAssemblyName = "DicomTools.Engine";

        private static readonly object Gate = new object();
        private static DependencyLoadContext? s_instance;
        private static bool s_registered;
        private static HashSet<string> s_sharedNames = new HashSet<string>(StringComparer.Ordinal);

        private readonly string _dependencyFolder;
        private readonly string _frameworkFolder;

        private DependencyLoadContext(string dependencyFolder)
        {
            _dependencyFolder = dependencyFolder;
            _frameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;
        }

        /// <summary>The context, once the module was imported on PowerShell 7; null before.</summary>
        internal static DependencyLoadContext? Instance => s_instance;

        internal static void Register(string dependencyFolder)
        {
            lock (Gate)
            {
                // One context per process: a re-import after Remove-Module must find the Engine it already
                // loaded, not a second copy whose types would not match the first.
                s_instance ??= new DependencyLoadContext(dependencyFolder);
                if (s_registered) return;
                s_sharedNames = s_instance.NamesTheCmdletsReference();
                Default.Resolving += ResolveForCmdlets;
                s_registered = true;
            }
        }

        internal static void Unregister()
        {
            lock (Gate)
            {
                if (!s_registered) return;
                Default.Resolving -= ResolveForCmdlets;
                s_registered = false;
            }
        }

        // Only what the cmdlet assembly itself references is handed to the default context: answering for
        // Polly.Core or any other name here would give our copy to every other module that asks for it.
        private static Assembly? ResolveForCmdlets(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            if (name.Name == null || !s_sharedNames.Contains(name.Name)) return null;
            return s_instance?.LoadFromAssemblyName(name);
        }

        /// <summary>
        /// The Engine, plus any private dependency that the cmdlet assembly references directly. There should be
        /// none, but an Engine signature with a third-party type in it (a constructor taking ILoggerProvider) makes
        /// the compiler reference that assembly from the cmdlets; the cmdlets must then see the very copy the Engine
        /// uses, or the call does not bind. Such a name is only isolated while no other module loaded it first, so
        /// the build warns about it (build.ps1, Test-CmdletReferences).
        /// </summary>
        private HashSet<string> NamesTheCmdletsReference()
        {
            var names = new HashSet<string>(StringComparer.Ordinal) { EngineAssemblyName };
            foreach (var reference in typeof(DependencyLoadContext).Assembly.GetReferencedAssemblies())
            {
                if (reference.Name != null && IsPrivate(reference.Name)) names.Add(reference.Name);
            }
            return names;
        }

        private bool IsPrivate(string name) =>
            File.Exists(Path.Combine(_dependencyFolder, name + ".dll"))
            && !File.Exists(Path.Combine(_frameworkFolder, name + ".dll"));

        /// <summary>
        /// What is in dependencies/ loads here, privately. Everything else (DicomTools.Dicom, which the cmdlets and
        /// the Engine must share, and the framework) returns null and comes from the default context. So do the
        /// netstandard2.0 shims that the shared framework itself provides (System.Memory, System.Text.Json, ...):
        /// the framework's copies are newer and carry the real Span&lt;T&gt;, and no module can replace them.
        /// </summary>
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name;
            if (name == null || !IsPrivate(name)) return null;
            return LoadFromAssemblyPath(Path.Combine(_dependencyFolder, name + ".dll"));
        }
    }
}
