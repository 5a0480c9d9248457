#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests and demonstrates the DicomTools module.
.DESCRIPTION
    Build   - compiles the solution (Release) and assembles out/DicomTools/<version>/ from an explicit
              list of files, failing when one is missing.
    Test    - Build, then the xUnit suite and the Pester suite (in a child pwsh against the built
              module); prints one final line "N passed, M failed, K skipped" and exits non-zero on failure.
    Demo    - Build, then the whole flow against the local reference lab server.
    Package - Build, then out/DicomTools.<version>.nupkg (Compress-PSResource, as Publish-PSResource would).
    Help    - part of Build: tools/Build-Help.ps1 turns docs/en-US into en-US/*-Help.xml and about_DicomTools.help.txt,
              failing when a cmdlet of the DLL or one of its parameters lacks help (-AllowIncompleteHelp: warn only).
    Fuzz    - tests/Fuzz/DicomTools.Fuzz: instruments the built codec with sharpfuzz, writes the seed corpus, runs
              afl-fuzz (Debian's afl++) on the reader and then the editor for -Duration seconds each, prints
              executions/crashes/hangs from fuzzer_stats and exits non-zero on any crash (findings in out/fuzz).
    Docs    - Build, then docs/reference/*.txt: Get-Help -Full of every cmdlet, Get-Command -Module
              DicomTools and one formatted result of each type, captured as they really print.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'UnitTest', 'PesterTest', 'Demo', 'Package', 'Docs', 'Fuzz')]
    [string[]] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Pester tag filter, for running a part of the Pester suite by hand.
    [string[]] $PesterTag,

    # Turn missing help into warnings (a local build in the middle of a merge); CI never sets it.
    [switch] $AllowIncompleteHelp,

    # Fuzz: seconds of afl-fuzz for each target (reader, editor).
    [ValidateRange(5, 86400)]
    [int] $Duration = 60
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$RepoRoot = $PSScriptRoot
$OutRoot = Join-Path $RepoRoot 'out'
$ResultsDir = Join-Path $OutRoot 'TestResults'

function Get-ModuleVersion {
    [xml] $props = Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props')
    $version = $props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
    if (-not $version) { throw 'VersionPrefix is missing from Directory.Build.props.' }
    return [string] $version
}

$Version = Get-ModuleVersion
$ModuleDir = Join-Path $OutRoot "DicomTools/$Version"

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList)
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($ArgumentList -join ' ') exited with $LASTEXITCODE" }
}

. (Join-Path $RepoRoot 'tools/ChildPwsh.ps1')

# Files of the module, by where they come from. The build fails if any is missing, so a dependency
# that changes its file set is noticed here, not by a user whose import fails.
$ModuleFiles = [ordered]@{
    'module'                 = @('DicomTools.psd1', 'DicomTools.Assemblies.psd1', 'DicomTools.Format.ps1xml')
    'repository'             = @('LICENSE', 'CHANGELOG.md')
    'loader'                 = @('DicomTools.Loader.dll')
    # The netstandard2.0 build (Windows PowerShell 5.1, PowerShell 7.2-7.5), out of the module's root:
    # DicomTools.Assemblies.psd1 names the cmdlets, the codec and the Engine by assembly, and a file of that name at
    # the root would be loaded by path into PowerShell 7's default load context instead of through the loader.
    'cmdlets->dependencies'  = @(
        'DicomTools.Cmdlets.dll'
        'DicomTools.Dicom.dll'
        'DicomTools.Engine.dll'
        'Polly.Core.dll'
        'Microsoft.Bcl.AsyncInterfaces.dll'
        'Microsoft.Bcl.TimeProvider.dll'
        'Microsoft.Extensions.DependencyInjection.Abstractions.dll'
        'Microsoft.Extensions.Logging.Abstractions.dll'
        'System.Buffers.dll'
        'System.ComponentModel.Annotations.dll'
        'System.Memory.dll'
        'System.Numerics.Vectors.dll'
        'System.Runtime.CompilerServices.Unsafe.dll'
        'System.Text.Encoding.CodePages.dll'
        'System.Text.Encodings.Web.dll'
        'System.Text.Json.dll'
        'System.Threading.Channels.dll'
        'System.Threading.Tasks.Extensions.dll'
    )
    # PowerShell 7.6+ (.NET 10+): the net10.0 build, published ReadyToRun, in one folder the loader's context reads.
    # The framework already carries System.Text.Json and the other netstandard2.0 shims, so they are not here.
    'core'                   = @(
        'DicomTools.Cmdlets.dll'
        'DicomTools.Dicom.dll'
        'DicomTools.Engine.dll'
        'Polly.Core.dll'
        'Microsoft.Bcl.TimeProvider.dll'
        'Microsoft.Extensions.DependencyInjection.Abstractions.dll'
        'Microsoft.Extensions.Logging.Abstractions.dll'
    )
    # Generated by tools/Build-Help.ps1 from docs/en-US, after the files above are in place.
    'help'                   = @('en-US/DicomTools.Cmdlets.dll-Help.xml', 'en-US/about_DicomTools.help.txt')
    # PowerShell looks for a binary cmdlet's help beside the assembly that implements it.
    'help->core'             = @('en-US/DicomTools.Cmdlets.dll-Help.xml')
}

# ReadyToRun code is specific to an OS and architecture; the images stay valid IL, so on any other platform the
# runtime ignores the precompiled code and JIT-compiles as it would without it. linux-x64 is what CI and the
# scheduled tasks we measure run on.
$ReadyToRunRuntime = 'linux-x64'

# Publishes the net10.0 build of the cmdlets (and with it the codec, the Engine and their packages) ReadyToRun.
function Publish-CoreBuild([string] $Destination) {
    if (Test-Path $Destination) { Remove-Item -Recurse -Force $Destination }
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'src/DicomTools.Cmdlets/DicomTools.Cmdlets.csproj'), '-c', $Configuration,
        '-f', 'net10.0', '-r', $ReadyToRunRuntime, '--self-contained', 'false', '-p:PublishReadyToRun=true',
        '-o', $Destination, '-nologo', '-v', 'quiet', '-clp:Summary')
}

function Invoke-ChildPwsh([string[]] $ArgumentList) {
    $child = Get-ChildPwshCommand
    Invoke-Native $child[0] (@($child | Select-Object -Skip 1) + $ArgumentList)
}

# The loader is the one assembly of ours in PowerShell 7's default load context. Whatever it references would be
# loaded there too, for every module to share: it may reference the framework and the host's own
# System.Management.Automation (for IModuleAssemblyInitializer; PowerShell itself has it loaded there before any
# module), and nothing else. Read from the metadata, without loading the DLL into this process.
function Assert-LoaderReference([string] $LoaderDll) {
    $allowed = 'netstandard', 'System.Runtime.Loader', 'System.Management.Automation'
    $stream = [IO.File]::OpenRead($LoaderDll)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        $names = foreach ($handle in $reader.AssemblyReferences) { $reader.GetString($reader.GetAssemblyReference($handle).Name) }
    }
    finally { $stream.Dispose() }
    $leaks = @($names | Where-Object { $_ -notin $allowed })
    if ($leaks) {
        throw ("DicomTools.Loader.dll references $($leaks -join ', '): the loader lives in the default load context, so " +
            'these would load there too and be shared with every other module. Keep the loader free of references.')
    }
}

# Imports the built module in a fresh pwsh and fails when any assembly from the module folder other than the loader
# sits in the default load context (a dependency that leaked out of the private one).
function Assert-ModuleIsolation([string] $Manifest) {
    $probe = @'
param($Manifest)
Import-Module $Manifest -ErrorAction Stop
$null = Get-Command -Module DicomTools | ForEach-Object { $_.ImplementingType }
$folder = Split-Path -Parent (Resolve-Path $Manifest)
$default = [System.Runtime.Loader.AssemblyLoadContext]::Default
foreach ($assembly in $default.Assemblies) {
    if ($assembly.IsDynamic -or -not $assembly.Location) { continue }
    if ($assembly.Location.StartsWith($folder) -and $assembly.GetName().Name -ne 'DicomTools.Loader') { 'LEAK ' + $assembly.Location }
}
'@
    $child = Get-ChildPwshCommand
    $probeFile = Join-Path ([IO.Path]::GetTempPath()) ("dicomtools-isolation-" + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -LiteralPath $probeFile -Value $probe -Encoding utf8
    try { $output = & $child[0] @(@($child | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $probeFile, $Manifest)) 2>&1 }
    finally { Remove-Item -LiteralPath $probeFile -Force }
    if ($LASTEXITCODE -ne 0) { throw "Importing the built module failed:`n$($output -join "`n")" }
    $leaks = @($output | Where-Object { "$_" -like 'LEAK *' })
    if ($leaks) { throw "Assemblies of the module leaked into the default load context:`n$($leaks -join "`n")" }
}

function Build-ModuleFolder {
    Write-Host "==> Build $Configuration $Version" -ForegroundColor Cyan
    # Quiet, but warnings are shown: ErrorsOnly printed "8 Warning(s)" in the summary and hid which ones.
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'DicomTools.sln'), '-c', $Configuration, '-nologo', '-v', 'quiet', '-clp:Summary')

    if (Test-Path $ModuleDir) { Remove-Item -Recurse -Force $ModuleDir }
    $null = New-Item -ItemType Directory -Force -Path $ModuleDir, (Join-Path $ModuleDir 'dependencies')

    $cmdletBin = Join-Path $RepoRoot "src/DicomTools.Cmdlets/bin/$Configuration/netstandard2.0"
    $coreBin = Join-Path $RepoRoot "src/DicomTools.Cmdlets/bin/$Configuration/net10.0/$ReadyToRunRuntime/publish-r2r"
    Publish-CoreBuild $coreBin
    $loaderBin = Join-Path $RepoRoot "src/DicomTools.Loader/bin/$Configuration/netstandard2.0"
    $helpOut = Join-Path $OutRoot 'help'
    $sources = @{
        'module'                = @{ From = Join-Path $RepoRoot 'module'; To = $ModuleDir }
        'loader'                = @{ From = $loaderBin; To = $ModuleDir }
        'repository'            = @{ From = $RepoRoot; To = $ModuleDir }
        'cmdlets->dependencies' = @{ From = $cmdletBin; To = Join-Path $ModuleDir 'dependencies' }
        'core'                  = @{ From = $coreBin; To = Join-Path $ModuleDir 'core' }
        'help'                  = @{ From = $helpOut; To = $ModuleDir }
        'help->core'            = @{ From = $helpOut; To = Join-Path $ModuleDir 'core' }
    }
    $copy = {
        param([string[]] $Kinds)
        $missing = [System.Collections.Generic.List[string]]::new()
        foreach ($kind in $Kinds) {
            foreach ($file in $ModuleFiles[$kind]) {
                $source = Join-Path $sources[$kind].From $file
                if (-not (Test-Path -LiteralPath $source)) { $missing.Add($source); continue }
                $target = Join-Path $sources[$kind].To $file
                $null = New-Item -ItemType Directory -Force -Path (Split-Path $target)
                Copy-Item -LiteralPath $source -Destination $target
            }
        }
        if ($missing.Count) { throw "The module is incomplete; missing:`n  $($missing -join "`n  ")" }
    }
    & $copy @($ModuleFiles.Keys | Where-Object { $_ -notlike 'help*' })
    Assert-LoaderReference (Join-Path $ModuleDir 'DicomTools.Loader.dll')
    # DicomTools.Assemblies.psd1 loads these by assembly name; a file of that name at the root would bypass the loader.
    foreach ($name in 'DicomTools.Cmdlets.dll', 'DicomTools.Dicom.dll', 'DicomTools.Engine.dll') {
        if (Test-Path (Join-Path $ModuleDir $name)) { throw "$name must not be at the module's root: the manifest loads it by name, through the loader." }
    }

    if (Get-ChildItem -Recurse -Path $ModuleDir -Filter 'System.Management.Automation.dll') {
        throw 'System.Management.Automation.dll must never ship with the module: the host provides it.'
    }

    $manifest = Join-Path $ModuleDir 'DicomTools.psd1'
    foreach ($file in $manifest, (Join-Path $ModuleDir 'DicomTools.Assemblies.psd1')) {
        $text = Get-Content -Raw -LiteralPath $file
        $text = $text -replace "ModuleVersion(\s*)=\s*'[^']*'", "ModuleVersion`$1= '$Version'"
        Set-Content -LiteralPath $file -Value $text -NoNewline -Encoding utf8
    }

    # The help is built from the module itself (its cmdlets' real parameters), in a child pwsh so that this
    # process never loads the DLLs it may rebuild next.
    if (Test-Path $helpOut) { Remove-Item -Recurse -Force $helpOut }
    $helpArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tools/Build-Help.ps1'),
        '-ModulePath', $manifest, '-DocsPath', (Join-Path $RepoRoot 'docs/en-US'), '-OutputPath', (Join-Path $helpOut 'en-US'))
    if ($AllowIncompleteHelp) { $helpArgs += '-AllowIncomplete' }
    Invoke-ChildPwsh $helpArgs
    & $copy @('help', 'help->core')

    $null = Test-ModuleManifest -Path $manifest -ErrorAction Stop
    Assert-ModuleIsolation $manifest
    Write-Host "    module: $ModuleDir"
}

function Invoke-Package {
    Write-Host '==> Package' -ForegroundColor Cyan
    $package = & (Join-Path $RepoRoot 'tools/New-ModulePackage.ps1') -ModuleFolder $ModuleDir -DestinationPath $OutRoot
    Write-Host "    package: $package"
}

function Get-NuGetPackageRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list
    return ($line -replace '^.*?global-packages:\s*', '').Trim()
}

function Get-TrxCounts([string] $TrxPath) {
    [xml] $trx = Get-Content -Raw -LiteralPath $TrxPath
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $counters.passed
        Failed  = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        Skipped = [int] $counters.notExecuted
    }
}

function Invoke-UnitTest {
    Write-Host '==> xUnit' -ForegroundColor Cyan
    $trxName = 'unit.trx'
    $trx = Join-Path $ResultsDir $trxName
    if (Test-Path $trx) { Remove-Item -Force $trx }
    & dotnet test (Join-Path $RepoRoot 'tests/Unit/DicomTools.Tests.Unit.csproj') -c $Configuration --no-build -nologo `
        --results-directory $ResultsDir --logger "trx;LogFileName=$trxName" --logger 'console;verbosity=minimal' | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $trx)) {
        Write-Host "xUnit produced no results (exit $exit)" -ForegroundColor Red
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $counts = Get-TrxCounts $trx
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }  # the runner failed outside any test
    Write-Host ("    xUnit: {0} passed, {1} failed, {2} skipped" -f $counts.Passed, $counts.Failed, $counts.Skipped)
    return $counts
}

function Invoke-PesterTest {
    Write-Host '==> Pester (child pwsh, built module)' -ForegroundColor Cyan
    $restoreProject = Join-Path $RepoRoot 'tests/Pester/Pester.Restore.csproj'
    Invoke-Native dotnet @('restore', $restoreProject, '-nologo', '-v', 'quiet')
    [xml] $restoreXml = Get-Content -Raw -LiteralPath $restoreProject
    $pesterVersion = $restoreXml.Project.PropertyGroup.PesterVersion | Where-Object { $_ } | Select-Object -First 1
    $pester = Join-Path (Get-NuGetPackageRoot) "pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $pester)) { throw "Pester $pesterVersion was not restored to $pester" }
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    if (Test-Path $summary) { Remove-Item -Force $summary }
    $null = New-Item -ItemType Directory -Force -Path $ResultsDir
    $child = Get-ChildPwshCommand
    $childArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tests/Pester/Invoke-PesterSuite.ps1'),
        '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleDir 'DicomTools.psd1'), '-RepoRoot', $RepoRoot,
        '-SummaryPath', $summary, '-Configuration', $Configuration)
    if ($PesterTag) { $childArgs += @('-Tag', ($PesterTag -join ',')) }
    $exe = $child[0]
    $exeArgs = @($child | Select-Object -Skip 1) + $childArgs
    # To the console, not into this function's output: the runner's lines are what CI shows of a failure.
    & $exe @exeArgs | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $summary)) {
        Write-Host "Pester produced no results (exit $exit)" -ForegroundColor Red
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $counts = Get-Content -Raw $summary | ConvertFrom-Json
    $result = [pscustomobject]@{ Passed = [int] $counts.Passed; Failed = [int] $counts.Failed; Skipped = [int] $counts.Skipped }
    if ($exit -ne 0 -and $result.Failed -eq 0) { $result.Failed = 1 }
    Write-Host ("    Pester: {0} passed, {1} failed, {2} skipped" -f $result.Passed, $result.Failed, $result.Skipped)
    return $result
}

function Invoke-Fuzz([int] $Seconds) {
    $afl = Get-Command afl-fuzz -ErrorAction SilentlyContinue
    if (-not $afl) { throw 'afl-fuzz is not installed (apt-get install afl++).' }
    $fuzzRoot = Join-Path $OutRoot 'fuzz'
    $binDir = Join-Path $fuzzRoot 'bin'
    if (Test-Path $fuzzRoot) { Remove-Item -Recurse -Force $fuzzRoot }
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'tests/Fuzz/DicomTools.Fuzz/DicomTools.Fuzz.csproj'), '-c', 'Release', '-o', $binDir, '-nologo', '-v', 'q')
    # The seeds first: instrumented code runs only under afl-fuzz (it writes to AFL's shared memory).
    $corpus = Join-Path $fuzzRoot 'corpus'
    Invoke-Native dotnet @((Join-Path $binDir 'DicomTools.Fuzz.dll'), '--write-corpus', $corpus)
    # Only the codec is instrumented: coverage of the harness or the runtime would only be noise for AFL.
    Invoke-Native dotnet @('tool', 'run', 'sharpfuzz', (Join-Path $binDir 'DicomTools.Dicom.dll'))
    $env:AFL_SKIP_CPUFREQ = '1'
    $env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'
    $env:AFL_NO_UI = '1'
    $env:AFL_SKIP_BIN_CHECK = '1'
    $totalCrashes = 0
    foreach ($target in 'read', 'edit') {
        $findings = Join-Path $fuzzRoot "findings-$target"
        # -V: stop after the given seconds; -t: a .NET start-up is slow, an input that takes 10 s is a hang.
        & $afl.Source -V $Seconds -i $corpus -o $findings -t 10000 -m none -- dotnet (Join-Path $binDir 'DicomTools.Fuzz.dll') $target *>&1 |
            Out-File (Join-Path $fuzzRoot "afl-$target.log")
        $statsFile = Get-ChildItem -Path $findings -Recurse -Filter fuzzer_stats -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $statsFile) { throw "afl-fuzz ($target) wrote no fuzzer_stats; see $(Join-Path $fuzzRoot "afl-$target.log")" }
        $stats = @{}
        foreach ($line in Get-Content $statsFile.FullName) {
            $k, $v = $line -split '\s*:\s*', 2
            $stats[$k.Trim()] = $v
        }
        $crashes = [int] ($stats['saved_crashes'] ?? $stats['unique_crashes'] ?? 0)
        $hangs = [int] ($stats['saved_hangs'] ?? $stats['unique_hangs'] ?? 0)
        $paths = $stats['corpus_count'] ?? $stats['paths_total']
        Write-Host ("fuzz {0}: {1} executions in {2} s, {3} paths, {4} crashes, {5} hangs" -f $target, $stats['execs_done'], $Seconds, $paths, $crashes, $hangs)
        $totalCrashes += $crashes
    }
    if ($totalCrashes) { throw "afl-fuzz found $totalCrashes crash(es): inputs in $fuzzRoot/findings-*/default/crashes" }
}

function Write-Summary([object[]] $Counts) {
    $passed = ($Counts | Measure-Object -Property Passed -Sum).Sum
    $failed = ($Counts | Measure-Object -Property Failed -Sum).Sum
    $skipped = ($Counts | Measure-Object -Property Skipped -Sum).Sum
    $line = if ($skipped) { "$passed passed, $failed failed, $skipped skipped" } else { "$passed passed, $failed failed" }
    # The last line alone, as CI reads it.
    [Console]::Out.WriteLine($line)
    return $failed
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Build-ModuleFolder }
        'UnitTest' {
            Build-ModuleFolder
            $failed = Write-Summary @(Invoke-UnitTest)
            if ($failed) { exit 1 }
        }
        'PesterTest' {
            Build-ModuleFolder
            $failed = Write-Summary @(Invoke-PesterTest)
            if ($failed) { exit 1 }
        }
        'Test' {
            Build-ModuleFolder
            $counts = @(Invoke-UnitTest; Invoke-PesterTest)
            $failed = Write-Summary $counts
            if ($failed) { exit 1 }
        }
        'Demo' {
            Build-ModuleFolder
            & (Join-Path $RepoRoot 'tools/Start-Demo.ps1') -ModulePath (Join-Path $ModuleDir 'DicomTools.psd1') -RepoRoot $RepoRoot -Configuration $Configuration
            if (-not $?) { exit 1 }
        }
        'Package' {
            Build-ModuleFolder
            Invoke-Package
        }
        'Fuzz' { Invoke-Fuzz $Duration }
        'Docs' {
            Build-ModuleFolder
            Invoke-ChildPwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tools/Export-Reference.ps1'),
                '-ModulePath', (Join-Path $ModuleDir 'DicomTools.psd1'), '-RepoRoot', $RepoRoot, '-OutputPath', (Join-Path $RepoRoot 'docs/reference'))
        }
    }
}
