# DicomTools' root module: picks which build of the cmdlet assembly loads, and how, per edition.
#
# PowerShell 7.6+ (.NET 10 or later): the net10.0 build in core/, compiled ReadyToRun, so a fresh process runs
# precompiled code instead of JIT-compiling the cmdlets, the codec and the upload path (issue 12). Older PowerShell 7
# (.NET 6 to 9) takes the netstandard2.0 build in the module folder and dependencies/, through the same loader.
#
# On either: the whole module (cmdlets, codec, Engine, Polly.Core, Microsoft.Extensions.*) goes into one private
# AssemblyLoadContext, created by DicomTools.Loader.dll, the only assembly of ours in the default context. Other
# modules' versions of the same packages, loaded before or after us, are neither given to us nor replaced by ours.
#
# Windows PowerShell 5.1 (.NET Framework, one load context): the cmdlet assembly is imported as it is; its
# ModuleInitializer resolves the dependencies/ folder through AppDomain.AssemblyResolve.
#
# Every statement here is paid by every fresh process (a scheduled task), and PowerShell compiles each kind of
# construct (a loop, a .NET method call, a comparison) on its first use: the choices are made in the loader, in C#,
# and this script makes as few calls as it can (issue 12: start-up; bench/Measure-Import.ps1 counts the methods).

# Module-qualified, so that a proxy function named Import-Module cannot stand in for it; resolving the name this way
# costs a fresh process nothing (Get-Command -Module, used before, ran command discovery: ~300 methods to JIT).
$importModule = 'Microsoft.PowerShell.Core\Import-Module'

if ($PSEdition -eq 'Desktop') {
    & $importModule -Name "$PSScriptRoot\DicomTools.Cmdlets.dll" -ErrorAction Stop
}
else {
    $isReload = [bool] ('DicomTools.Loader.ModuleLoadContext' -as [type])
    if (-not $isReload) {
        # What Add-Type -Path does for a compiled assembly, without starting the Add-Type cmdlet (~450 methods to JIT).
        $null = [System.Reflection.Assembly]::LoadFrom("$PSScriptRoot/DicomTools.Loader.dll")
    }
    # The cmdlets, then the codec and the Engine, whose types scripts use by name (see LoadModule), in one import.
    $innerModules = & $importModule -Assembly ([DicomTools.Loader.ModuleLoadContext]::LoadModule($PSScriptRoot)) -PassThru:$isReload -ErrorAction Stop

    if ($isReload) {
        # On a re-import (Import-Module -Force, or after Remove-Module) PowerShell hands back its cached module for
        # the assembly without adding the cmdlets to this module's exports, so they would vanish from the session
        # (PowerShell issue 20710). Add them back, as PowerShell itself would on a first import.
        $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
            'AddExportedCmdlet', [System.Reflection.BindingFlags] 'Instance, NonPublic')
        foreach ($innerModule in $innerModules) {
            foreach ($cmdlet in $innerModule.ExportedCmdlets.Values) {
                $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
            }
        }
    }
}

# Set-DicomTag: the singular noun PowerShell users type. Defined here, not on the cmdlet class: an alias of the
# inner (assembly) module is not re-exported by this script module, one defined here is (AliasesToExport lists it).
# Through the alias: drive, not Set-Alias: in a fresh process Set-Alias autoloads Microsoft.PowerShell.Utility, which
# cost ~120 ms of every import (measured with Stopwatch marks in this file).
${alias:Set-DicomTag} = 'Set-DicomTags'
