using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// Our dependencies live in the module's 'dependencies' folder, where PowerShell does not look for
    /// them; this resolves them from there. (Issue 5 replaces this with a private AssemblyLoadContext on
    /// PowerShell 7; on Windows PowerShell 5.1 this fallback stays.)
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyFolder = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "dependencies");

        public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencyFolder;

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencyFolder;

        private static Assembly? ResolveFromDependencyFolder(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (name == null) return null;
            var candidate = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
