using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace DicomTools.Loader
{
    /// <summary>
    /// The module's private load context on PowerShell 7. DicomTools.psm1 calls <see cref="Initialize"/> and imports
    /// the assembly it returns, so the cmdlets, the codec, the Engine and every package they bring (Polly.Core,
    /// Microsoft.Extensions.*) load here, never into the default context: another module's Polly.Core, loaded before
    /// or after us, is neither handed to us nor replaced by ours.
    /// </summary>
    /// <remarks>
    /// <see cref="Load"/> answers only for files of the module's own folders; for everything else (the framework,
    /// System.Management.Automation) it returns null and the runtime falls back to the default context, which is
    /// what makes PowerShell's own types the same types for the cmdlets as for the host.
    /// </remarks>
    public sealed class ModuleLoadContext : AssemblyLoadContext
    {
        private const string CmdletAssemblyName = "DicomTools.Cmdlets";

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

        /// <summary>The folder this process's context loads from; null before the first import.</summary>
        public static string? ModuleFolder => s_instance?._moduleFolder;

        /// <summary>
        /// Creates the context once per process and returns the cmdlet assembly loaded into it. A re-import (Remove-Module,
        /// Import-Module -Force) gets the same context and so the same types; a second copy of the module from another
        /// folder cannot load beside the first, because both would bring the same assembly names.
        /// </summary>
        public static Assembly Initialize(string moduleFolder)
        {
            if (moduleFolder == null) throw new ArgumentNullException(nameof(moduleFolder));
            var folder = Path.GetFullPath(moduleFolder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            lock (Gate)
            {
                if (s_instance == null)
                {
                    s_instance = new ModuleLoadContext(folder);
                }
                else if (!string.Equals(s_instance._moduleFolder, folder, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"DicomTools is already loaded in this process from '{s_instance._moduleFolder}'; it cannot also load from '{folder}'. " +
                        "Start a new PowerShell session to use the other copy.");
                }
                return s_instance.LoadFromAssemblyName(new AssemblyName(CmdletAssemblyName));
            }
        }

        /// <summary>
        /// What DicomTools.psm1 imports on PowerShell 7, in one call: the build for this runtime (the net10.0 ReadyToRun
        /// build in core/ on .NET 10 or later, else the netstandard2.0 build in the module folder) loaded into the
        /// module's context, as the cmdlet assembly followed by the codec and the Engine.
        /// </summary>
        /// <remarks>
        /// The codec and the Engine are imported too because PowerShell resolves a type literal such as
        /// [DicomTools.Dicom.DicomTag] only in the default context and in assemblies imported as modules. Deciding and
        /// loading here, not in the script, spares a fresh process the script's loops, branches and .NET calls, each of
        /// which PowerShell's compiler and binders pay for on first use (issue 12: start-up).
        /// </remarks>
        public static Assembly[] LoadModule(string moduleRoot)
        {
            if (moduleRoot == null) throw new ArgumentNullException(nameof(moduleRoot));
            var buildFolder = Environment.Version.Major >= 10 ? Path.Combine(moduleRoot, "core") : moduleRoot;
            var cmdlets = Initialize(buildFolder);
            return new[] { cmdlets, LoadModuleAssembly("DicomTools.Dicom"), LoadModuleAssembly("DicomTools.Engine") };
        }

        /// <summary>Another assembly of the module, from the context <see cref="Initialize"/> created.</summary>
        public static Assembly LoadModuleAssembly(string name)
        {
            var context = s_instance ?? throw new InvalidOperationException("The module's load context does not exist yet; call Initialize first.");
            return context.LoadFromAssemblyName(new AssemblyName(name));
        }

        /// <summary>
        /// Our assemblies and packages, from the module folder or its dependencies/ folder. The netstandard2.0 shims that
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
