# DicomTools' root module: picks how the cmdlet assembly loads, per edition.
#
# PowerShell 7: the whole module (cmdlets, codec, Engine, Polly.Core, Microsoft.Extensions.*) goes into one private
# AssemblyLoadContext, created by DicomTools.Loader.dll, the only assembly of ours in the default context. Other
# modules' versions of the same packages, loaded before or after us, are neither given to us nor replaced by ours.
#
# Windows PowerShell 5.1 (.NET Framework, one load context): the cmdlet assembly is imported as it is; its
# ModuleInitializer resolves the dependencies/ folder through AppDomain.AssemblyResolve.

$importModule = Get-Command -Name Import-Module -Module Microsoft.PowerShell.Core

if ($PSEdition -eq 'Desktop') {
    & $importModule -Name ([System.IO.Path]::Combine($PSScriptRoot, 'DicomTools.Cmdlets.dll')) -ErrorAction Stop
}
else {
    $isReload = $true
    if (-not ('DicomTools.Loader.ModuleLoadContext' -as [type])) {
        $isReload = $false
        Add-Type -Path ([System.IO.Path]::Combine($PSScriptRoot, 'DicomTools.Loader.dll'))
    }

    $cmdletAssembly = [DicomTools.Loader.ModuleLoadContext]::Initialize($PSScriptRoot)
    $innerModule = & $importModule -Assembly $cmdletAssembly -PassThru:$isReload -ErrorAction Stop

    # PowerShell resolves a type literal such as [DicomTools.Dicom.DicomTag] only in the default context and in
    # assemblies imported as modules: importing the codec and the Engine too keeps their types usable from scripts
    # (the codec's API; UploadResult, UploadStatus and SampleMetadata, which the cmdlets output), as the cmdlets' are.
    # The price is loading Polly.Core and Microsoft.Extensions.Logging.Abstractions at import (three small DLLs).
    foreach ($name in 'DicomTools.Dicom', 'DicomTools.Engine') {
        & $importModule -Assembly ([DicomTools.Loader.ModuleLoadContext]::LoadModuleAssembly($name)) -ErrorAction Stop
    }

    if ($innerModule) {
        # On a re-import (Import-Module -Force, or after Remove-Module) PowerShell hands back its cached module for
        # the assembly without adding the cmdlets to this module's exports, so they would vanish from the session
        # (PowerShell issue 20710). Add them back, as PowerShell itself would on a first import.
        $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
            'AddExportedCmdlet', [System.Reflection.BindingFlags] 'Instance, NonPublic')
        foreach ($cmdlet in $innerModule.ExportedCmdlets.Values) {
            $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
        }
    }
}

# Set-DicomTag: the singular noun PowerShell users type. Defined here, not on the cmdlet class: an alias of the
# inner (assembly) module is not re-exported by this script module, one defined here is (AliasesToExport lists it).
Set-Alias -Name Set-DicomTag -Value Set-DicomTags
