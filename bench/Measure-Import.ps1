#Requires -Version 7.2
<#
.SYNOPSIS
    Measures what Import-Module DicomTools costs a fresh pwsh: the median of N processes that import the
    module, against the median of N processes that only start and exit.
.DESCRIPTION
    Each sample is a whole process, timed from outside (start-up, import, exit), the way a scheduled task
    pays for it. Baseline and import runs alternate, so a machine that gets busier or quieter during the run
    shifts both alike. A third series imports and runs Get-Command -Module DicomTools -Syntax, which makes
    PowerShell reflect over every cmdlet's parameters (what Tab completion does on first use).

    Prints one table: median, 10th and 90th percentile per series, and the import's cost over the baseline
    (the goal is under 0.3 s). Run it on a quiet machine; on a shared one keep -Count small.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Import.ps1 -Count 20
.EXAMPLE
    dotnet pwsh ./bench/Measure-Import.ps1 -ModulePath ./out/DicomTools/0.1.0/DicomTools.psd1 -Count 50
#>
[CmdletBinding()]
param(
    # The built module's manifest; default: the one build.ps1 assembled under out/.
    [string] $ModulePath,
    # Processes per series.
    [ValidateRange(3, 1000)]
    [int] $Count = 20
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$repoRoot = Split-Path $PSScriptRoot
if (-not $ModulePath) {
    $ModulePath = Get-ChildItem (Join-Path $repoRoot 'out/DicomTools') -Filter DicomTools.psd1 -Recurse -ErrorAction Ignore |
        Sort-Object { [version] $_.Directory.Name } -Descending | Select-Object -First 1 -ExpandProperty FullName
    if (-not $ModulePath) { throw 'No built module under out/DicomTools: run dotnet pwsh ./build.ps1 -Task Build first.' }
}
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path

. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
$pwsh = Get-ChildPwshCommand

$series = [ordered]@{
    'pwsh -c exit (baseline)'            = 'exit'
    'Import-Module DicomTools'           = "Import-Module '$ModulePath'; exit"
    'Import + Get-Command -Syntax'       = "Import-Module '$ModulePath'; `$null = Get-Command -Module DicomTools -Syntax; exit"
}

function Measure-Process([string] $Command) {
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    & $pwsh[0] @arguments
    $clock.Stop()
    if ($LASTEXITCODE -ne 0) { throw "'$Command' exited with $LASTEXITCODE" }
    return $clock.Elapsed.TotalSeconds
}

function Get-Percentile([double[]] $Values, [double] $Fraction) {
    $sorted = $Values | Sort-Object
    $rank = $Fraction * ($sorted.Count - 1)
    $low = [math]::Floor($rank); $high = [math]::Ceiling($rank)
    return $sorted[$low] + ($sorted[$high] - $sorted[$low]) * ($rank - $low)
}

# One warm-up each: the first start of a process pays for disk caches that later ones do not.
foreach ($command in $series.Values) { $null = Measure-Process $command }

$samples = @{}
foreach ($name in $series.Keys) { $samples[$name] = [System.Collections.Generic.List[double]]::new() }
for ($i = 1; $i -le $Count; $i++) {
    Write-Progress -Activity 'Measure-Import' -Status "round $i of $Count" -PercentComplete (100 * ($i - 1) / $Count)
    foreach ($name in $series.Keys) { $samples[$name].Add((Measure-Process $series[$name])) }
}
Write-Progress -Activity 'Measure-Import' -Completed

$baseline = Get-Percentile $samples['pwsh -c exit (baseline)'].ToArray() 0.5
$rows = foreach ($name in $series.Keys) {
    $values = $samples[$name].ToArray()
    $median = Get-Percentile $values 0.5
    [pscustomobject]@{
        Series        = $name
        'Median (s)'  = [math]::Round($median, 3)
        'P10 (s)'     = [math]::Round((Get-Percentile $values 0.1), 3)
        'P90 (s)'     = [math]::Round((Get-Percentile $values 0.9), 3)
        'Over baseline (s)' = [math]::Round($median - $baseline, 3)
    }
}
"DicomTools import time: $Count fresh processes per series, pwsh $($PSVersionTable.PSVersion), $([Environment]::ProcessorCount) cores, $(Get-Date -Format 'yyyy-MM-dd HH:mm')"
$rows | Format-Table -AutoSize | Out-String -Width 200
$cost = ($rows | Where-Object Series -EQ 'Import-Module DicomTools').'Over baseline (s)'
"Import-Module DicomTools costs $cost s over an empty pwsh (goal: under 0.3 s)."
