using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace DicomTools.Loader
{
    /// <summary>
    /// Runs when PowerShell imports the loader, the first nested module of DicomTools.psd1, before DicomTools.Assemblies.psd1
    /// makes it load the cmdlets, the codec and the Engine by name: from then on those names resolve to the module's
    /// build for this runtime.
    /// </summary>
    /// <remarks>
    /// What a psm1 used to do at import, without a script: a fresh process no longer parses, compiles and interprets
    /// one nor runs <c>Import-Module -Assembly</c> from it (issue 12: ~860 methods fewer JIT-compiled at import,
    /// bench/Measure-Import.ps1).
    /// </remarks>
    public sealed class LoaderInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string ModuleRoot = Path.GetDirectoryName(typeof(LoaderInitializer).Assembly.Location) ?? ".";

        // CoreLib's name tells the runtimes apart without loading anything (RuntimeInformation would).
        private static bool IsCoreClr { get; } = typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

        public void OnImport()
        {
            if (IsCoreClr) RegisterLoadContext();
            else AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencyFolder;
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            // The load context stays for the life of the process (its assemblies cannot be unloaded while PowerShell
            // holds their types); on .NET Framework the resolver goes, as PowerShell's own module removal expects.
            if (!IsCoreClr) AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencyFolder;
        }

        // A method of its own, so that .NET Framework never compiles a reference to AssemblyLoadContext.
        private static void RegisterLoadContext() => ModuleLoadContext.Register(ModuleRoot);

        /// <summary>
        /// Windows PowerShell 5.1: .NET Framework has a single load context, so the module's assemblies and packages
        /// (the netstandard2.0 build in dependencies/) are offered to <c>AppDomain.AssemblyResolve</c>, which runs only
        /// when normal probing found nothing.
        /// </summary>
        private static Assembly? ResolveFromDependencyFolder(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (name == null) return null;
            var candidate = Path.Combine(ModuleRoot, "dependencies", name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
