using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// Windows PowerShell 5.1 only. .NET Framework has a single load context, so the module's dependencies
    /// (DicomTools.Engine, Polly.Core, Microsoft.Extensions.*, ...) are offered from the 'dependencies' folder to
    /// <c>AppDomain.AssemblyResolve</c>, which runs only when normal probing found nothing.
    /// <para>On PowerShell 7 this does nothing: DicomTools.psm1 loads the whole module into its private
    /// AssemblyLoadContext (DicomTools.Loader), which resolves the same folder itself.</para>
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyFolder = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "dependencies");

        // CoreLib's name tells the runtimes apart without loading anything (RuntimeInformation would).
        private static bool IsCoreClr { get; } =
            typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

        public void OnImport()
        {
            if (!IsCoreClr) AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencyFolder;
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (!IsCoreClr) AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencyFolder;
        }

        private static Assembly? ResolveFromDependencyFolder(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (name == null) return null;
            var candidate = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
