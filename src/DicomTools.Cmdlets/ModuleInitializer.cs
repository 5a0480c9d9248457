using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using DicomTools.Cmdlets.Isolation;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// Makes the module's dependencies (DicomTools.Engine, Polly.Core, Microsoft.Extensions.*, ...) load from
    /// its 'dependencies' folder without clashing with other modules' versions of them.
    /// <para>PowerShell 7 (CoreCLR): DicomTools.Engine and everything it needs from that folder load into a
    /// private <c>AssemblyLoadContext</c>; only the Engine's name is resolved for the default context, so no
    /// other module ever receives our copy of Polly.Core, and ours is never replaced by theirs.</para>
    /// <para>Windows PowerShell 5.1 (.NET Framework has a single load context): the folder is offered to
    /// <c>AppDomain.AssemblyResolve</c>, which only runs when the normal probing found nothing.</para>
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        internal static readonly string DependencyFolder = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "dependencies");

        // CoreLib's name tells the runtimes apart without loading anything (RuntimeInformation would).
        internal static bool IsCoreClr { get; } =
            typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

        public void OnImport()
        {
            if (IsCoreClr) EnableLoadContext();
            else AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencyFolder;
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (IsCoreClr) DisableLoadContext();
            else AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencyFolder;
        }

        // Kept out of line: on .NET Framework, JIT-compiling a method that names AssemblyLoadContext would
        // fail, and these two are never called there.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void EnableLoadContext() => DependencyLoadContext.Register(DependencyFolder);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void DisableLoadContext() => DependencyLoadContext.Unregister();

        private static Assembly? ResolveFromDependencyFolder(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (name == null) return null;
            var candidate = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
