using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace DicomTools.Cmdlets.Isolation
{
    /// <summary>
    /// PowerShell 7 only. The private load context that holds DicomTools.Engine and the third-party assemblies
    /// it brings (the pattern of "Resolving PowerShell module assembly dependency conflicts"). The cmdlet
    /// assembly, in the default context, references only the Engine; the default context cannot find it (it is
    /// in dependencies/), so <see cref="ResolveEngine"/> hands it over from here. From then on the runtime asks
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
                Default.Resolving += ResolveEngine;
                s_registered = true;
            }
        }

        internal static void Unregister()
        {
            lock (Gate)
            {
                if (!s_registered) return;
                Default.Resolving -= ResolveEngine;
                s_registered = false;
            }
        }

        // Only our own Engine is handed to the default context: answering for Polly.Core or any other shared
        // name here would give our copy to every other module that asks for it.
        private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal)) return null;
            return s_instance?.LoadFromAssemblyName(name);
        }

        /// <summary>
        /// What is in dependencies/ loads here, privately. Everything else (DicomTools.Dicom, which the cmdlets and
        /// the Engine must share, and the framework) returns null and comes from the default context. So do the
        /// netstandard2.0 shims that the shared framework itself provides (System.Memory, System.Text.Json, ...):
        /// the framework's copies are newer and carry the real Span&lt;T&gt;, and no module can replace them.
        /// </summary>
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name;
            if (string.IsNullOrEmpty(name)) return null;
            var candidate = Path.Combine(_dependencyFolder, name + ".dll");
            if (!File.Exists(candidate)) return null;
            if (File.Exists(Path.Combine(_frameworkFolder, name + ".dll"))) return null;
            return LoadFromAssemblyPath(candidate);
        }
    }
}
