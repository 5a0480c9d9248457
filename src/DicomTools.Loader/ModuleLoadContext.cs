using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace DicomTools.Loader
{
    /// <summary>
    /// The module's private load context on PowerShell 7. The cmdlets, the codec, the Engine and every package they
    /// bring (Polly.Core, Microsoft.Extensions.*) load here, never into the default context: another module's
    /// Polly.Core, loaded before or after us, is neither handed to us nor replaced by ours.
    /// </summary>
    /// <remarks>
    /// <para>PowerShell loads the nested modules of DicomTools.Assemblies.psd1 by assembly name, since no such file is
    /// in the module folder (as its own modules do: Microsoft.PowerShell.Management names a DLL that lives in $PSHOME).
    /// That name reaches the default context, which does not know it and raises <see cref="AssemblyLoadContext.Resolving"/>:
    /// <see cref="AnswerDefaultContext"/> then hands over our copy from this context. It answers only for the
    /// module's own assemblies (<see cref="PublicAssemblies"/>), never for a package, so a Polly.Core that another
    /// module fails to find is not given ours.</para>
    /// <para><see cref="Load"/> answers only for files of the module's own folders; for everything else (the
    /// framework, System.Management.Automation) it returns null and the runtime falls back to the default context,
    /// which is what makes PowerShell's own types the same types for the cmdlets as for the host.</para>
    /// <para>Internal, and touched only on .NET (Core): Windows PowerShell lists the public types of the loader when it
    /// imports it, and .NET Framework has no AssemblyLoadContext to load this class with.</para>
    /// </remarks>
    internal sealed class ModuleLoadContext : AssemblyLoadContext
    {
        /// <summary>What DicomTools.Assemblies.psd1 names: the cmdlets, and the codec and the Engine
        /// whose types scripts use by name (PowerShell resolves a type literal only in the default context and in
        /// assemblies imported as modules).</summary>
        internal static readonly string[] PublicAssemblies = { "DicomTools.Cmdlets", "DicomTools.Dicom", "DicomTools.Engine" };

        private static readonly object Gate = new object();
        private static ModuleLoadContext? s_instance;

        private readonly string _moduleFolder;
        private readonly string _dependencyFolder;
        private readonly string _frameworkFolder;

        private ModuleLoadContext(string moduleFolder)
        {
            _moduleFolder = moduleFolder;
            _dependencyFolder = Path.Combine(moduleFolder, "dependencies");
            _frameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;
        }

        /// <summary>
        /// Creates the context once per process, for the build this runtime loads (the net10.0 ReadyToRun build in
        /// core/ on .NET 10 or later, else the netstandard2.0 build in dependencies/), and lets the default context
        /// find the module's assemblies in it. A re-import (Remove-Module, Import-Module -Force) gets the same context
        /// and so the same types; a second copy of the module from another folder cannot load beside the first,
        /// because both would bring the same assembly names.
        /// </summary>
        internal static void Register(string moduleRoot)
        {
            var root = Path.GetFullPath(moduleRoot).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            var folder = Environment.Version.Major >= 10 ? Path.Combine(root, "core") : root;
            lock (Gate)
            {
                if (s_instance == null)
                {
                    s_instance = new ModuleLoadContext(folder);
                    Default.Resolving += AnswerDefaultContext;
                }
                else if (!string.Equals(s_instance._moduleFolder, folder, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"DicomTools is already loaded in this process from '{s_instance._moduleFolder}'; it cannot also load from '{folder}'. " +
                        "Start a new PowerShell session to use the other copy.");
                }
            }
        }

        private static Assembly? AnswerDefaultContext(AssemblyLoadContext context, AssemblyName name)
        {
            var instance = s_instance;
            if (instance == null || Array.IndexOf(PublicAssemblies, name.Name) < 0) return null;
            return instance.LoadFromAssemblyName(new AssemblyName(name.Name!));
        }

        /// <summary>
        /// Our assemblies and packages, from the build folder or its dependencies/ folder. The netstandard2.0 shims that
        /// the shared framework itself provides (System.Memory, System.Text.Json, ...) are left to the default context:
        /// the framework's copies are newer, carry the real implementations, and no module can replace them.
        /// </summary>
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name;
            if (name == null || File.Exists(Path.Combine(_frameworkFolder, name + ".dll"))) return null;
            foreach (var folder in new[] { _moduleFolder, _dependencyFolder })
            {
                var candidate = Path.Combine(folder, name + ".dll");
                if (File.Exists(candidate)) return LoadFromAssemblyPath(candidate);
            }
            return null;
        }
    }
}
