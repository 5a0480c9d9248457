# The module's assemblies, imported by DicomTools.psd1 after DicomTools.Loader.dll; build.ps1 stamps ModuleVersion.
#
# Named by assembly, not by path: no file of these names is in this folder, so PowerShell loads them by name, as
# its own modules do (Microsoft.PowerShell.Management names a DLL that lives in $PSHOME, Windows PowerShell's in the
# GAC), and the loader, imported first, answers:
# - PowerShell 7: the build for this runtime (core/, the net10.0 ReadyToRun build, on 7.6+; else the netstandard2.0
#   build in dependencies/), from the module's private AssemblyLoadContext. DicomTools.Loader.dll stays the only
#   assembly of ours in the default context; other modules' versions of our packages are neither given to us nor
#   replaced by ours.
# - Windows PowerShell 5.1: the netstandard2.0 build in dependencies/, through AppDomain.AssemblyResolve.
# The codec and the Engine are imported as modules so that their types resolve as type literals in the session.
#
# A manifest of its own because Test-ModuleManifest (and with it Compress-PSResource and Publish-PSResource) wants
# every nested module of DicomTools.psd1 to be a file in the module folder; it does not look inside this one.
@{
    ModuleVersion = '0.0.0'
    GUID          = '6a1f0a51-6c1e-4b7e-9d0b-2b4f1e9c7a32'
    NestedModules = @('DicomTools.Cmdlets.dll', 'DicomTools.Dicom.dll', 'DicomTools.Engine.dll')
}
