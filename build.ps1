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
    Package - Build, then out/DicomTools.<version>.nupkg.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'UnitTest', 'PesterTest', 'Demo', 'Package')]
    [string[]] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Pester tag filter, for running a part of the Pester suite by hand.
    [string[]] $PesterTag
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

# The pwsh running this script, as a command line for a child process (dotnet tool or installed pwsh).
function Get-ChildPwsh {
    $dll = Join-Path $PSHOME 'pwsh.dll'
    $processPath = [Environment]::ProcessPath
    if ((Split-Path -Leaf $processPath) -match '^dotnet(\.exe)?$' -and (Test-Path $dll)) {
        return @($processPath, $dll)
    }
    return @($processPath)
}

# Files of the module, by where they come from. The build fails if any is missing, so a dependency
# that changes its file set is noticed here, not by a user whose import fails.
$ModuleFiles = [ordered]@{
    'module'                 = @('DicomTools.psd1', 'DicomTools.Format.ps1xml')
    'cmdlets'                = @('DicomTools.Cmdlets.dll', 'DicomTools.Dicom.dll')
    'cmdlets->dependencies'  = @(
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
        'System.Threading.Tasks.Extensions.dll'
    )
}

function Invoke-Build {
    Write-Host "==> Build $Configuration $Version" -ForegroundColor Cyan
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'DicomTools.sln'), '-c', $Configuration, '-nologo', '-v', 'quiet', '-clp:ErrorsOnly;Summary')

    if (Test-Path $ModuleDir) { Remove-Item -Recurse -Force $ModuleDir }
    $null = New-Item -ItemType Directory -Force -Path $ModuleDir, (Join-Path $ModuleDir 'dependencies')

    $cmdletBin = Join-Path $RepoRoot "src/DicomTools.Cmdlets/bin/$Configuration/netstandard2.0"
    $sources = @{
        'module'                = @{ From = Join-Path $RepoRoot 'module'; To = $ModuleDir }
        'cmdlets'               = @{ From = $cmdletBin; To = $ModuleDir }
        'cmdlets->dependencies' = @{ From = $cmdletBin; To = Join-Path $ModuleDir 'dependencies' }
    }
    $missing = [System.Collections.Generic.List[string]]::new()
    foreach ($kind in $ModuleFiles.Keys) {
        foreach ($file in $ModuleFiles[$kind]) {
            $source = Join-Path $sources[$kind].From $file
            if (-not (Test-Path -LiteralPath $source)) { $missing.Add($source); continue }
            Copy-Item -LiteralPath $source -Destination $sources[$kind].To
        }
    }
    if ($missing.Count) { throw "The module is incomplete; missing:`n  $($missing -join "`n  ")" }

    if (Get-ChildItem -Recurse -Path $ModuleDir -Filter 'System.Management.Automation.dll') {
        throw 'System.Management.Automation.dll must never ship with the module: the host provides it.'
    }

    $manifest = Join-Path $ModuleDir 'DicomTools.psd1'
    $text = Get-Content -Raw -LiteralPath $manifest
    $text = $text -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$Version'"
    Set-Content -LiteralPath $manifest -Value $text -NoNewline -Encoding utf8
    $null = Test-ModuleManifest -Path $manifest -ErrorAction Stop
    Write-Host "    module: $ModuleDir"
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
        --results-directory $ResultsDir --logger "trx;LogFileName=$trxName" --logger 'console;verbosity=minimal'
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
    Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'tests/Pester/Pester.Restore.csproj'), '-nologo', '-v', 'quiet')
    $pester = Join-Path (Get-NuGetPackageRoot) 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 5.7.1 was not restored to $pester" }
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    if (Test-Path $summary) { Remove-Item -Force $summary }
    $null = New-Item -ItemType Directory -Force -Path $ResultsDir
    $child = Get-ChildPwsh
    $childArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tests/Pester/Invoke-PesterSuite.ps1'),
        '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleDir 'DicomTools.psd1'), '-RepoRoot', $RepoRoot,
        '-SummaryPath', $summary, '-Configuration', $Configuration)
    if ($PesterTag) { $childArgs += @('-Tag', ($PesterTag -join ',')) }
    $exe = $child[0]
    $exeArgs = @($child | Select-Object -Skip 1) + $childArgs
    & $exe @exeArgs
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
        'Build' { Invoke-Build }
        'UnitTest' {
            Invoke-Build
            $failed = Write-Summary @(Invoke-UnitTest)
            if ($failed) { exit 1 }
        }
        'PesterTest' {
            Invoke-Build
            $failed = Write-Summary @(Invoke-PesterTest)
            if ($failed) { exit 1 }
        }
        'Test' {
            Invoke-Build
            $counts = @(Invoke-UnitTest; Invoke-PesterTest)
            $failed = Write-Summary $counts
            if ($failed) { exit 1 }
        }
        'Demo' {
            Invoke-Build
            & (Join-Path $RepoRoot 'tools/Start-Demo.ps1') -ModulePath (Join-Path $ModuleDir 'DicomTools.psd1') -RepoRoot $RepoRoot -Configuration $Configuration
            if (-not $?) { exit 1 }
        }
        'Package' {
            Invoke-Build
            throw 'Package is not built yet (issue 5).'
        }
    }
}
