#Requires -Version 7.2
<#
.SYNOPSIS
    Measures what DicomTools costs a fresh pwsh: the median of N processes that import the module (and, the issue 12
    scenario, edit one file and upload it), against the median of N processes that only start and exit.
.DESCRIPTION
    Each sample is a whole process, timed from outside (start-up, import, exit), the way a scheduled task
    pays for it. Baseline and import runs alternate, so a machine that gets busier or quieter during the run
    shifts both alike. A third series imports and runs Get-Command -Module DicomTools -Syntax, which makes
    PowerShell reflect over every cmdlet's parameters (what Tab completion does on first use). A fourth series is a
    scheduled task's whole first use: import, the first Set-DicomTags on one 0.5 MB file (a real edit: a new value
    each time) and the first Send-DicomFile of that file to a private Orthanc on loopback (storage on tmpfs).

    Prints one table: median, 10th and 90th percentile per series, the cost over the baseline (goals: import under
    0.3 s; import + edit + upload at most 0.25 s), and, from one more process per series, the load-independent
    figures: methods JIT-compiled and CPU seconds of the whole process. Run it on a quiet machine; on a shared one
    compare the JIT counts and keep -Count small.
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
    [int] $Count = 20,
    # Without Orthanc (or to save its start): only the import series.
    [switch] $SkipUpload,
    [string] $Configuration = 'Release'
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
$scenario = 'Import + Set-DicomTags + Send-DicomFile'
$orthanc = $null
$workFolder = Join-Path $(if (Test-Path /dev/shm) { '/dev/shm' } else { [IO.Path]::GetTempPath() }) "dicomtools-bench-import-$PID"
if (-not $SkipUpload) {
    $sampleData = (Get-BenchBuild $repoRoot $Configuration).SampleData
    . (Join-Path $repoRoot 'tests/Pester/Support/TestServers.ps1')
    $null = New-Item -ItemType Directory -Force $workFolder
    & dotnet $sampleData --out $workFolder --count 1 --bytes-per-file 500000 --seed 2026 | Out-Null
    if ($LASTEXITCODE) { throw 'sample generation failed' }
    $file = (Get-ChildItem -LiteralPath $workFolder -Filter *.dcm | Select-Object -First 1).FullName
    $orthanc = Start-TestOrthanc -StorageRoot $workFolder
    # The password reaches the children through the environment, never a command line.
    $env:BENCH_ORTHANC_USER = $orthanc.Credential.UserName
    $env:BENCH_ORTHANC_PASSWORD = $orthanc.Credential.GetNetworkCredential().Password
    $series[$scenario] = "Import-Module '$ModulePath'; " +
        "`$null = Set-DicomTags -LiteralPath '$file' -Tag @{ PatientComments = 'run ' + `$PID } -ErrorAction Stop; " +
        "`$credential = [pscredential]::new(`$env:BENCH_ORTHANC_USER, (ConvertTo-SecureString `$env:BENCH_ORTHANC_PASSWORD -AsPlainText -Force)); " +
        "`$result = Send-DicomFile -LiteralPath '$file' -Uri '$($orthanc.Url)/instances' -Credential `$credential -ErrorAction Stop; " +
        "if (`$result.Status -notin 'Stored', 'AlreadyStored') { exit 3 }; exit"
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

# Methods JIT-compiled and CPU time of the whole process: what the series costs however busy the machine is.
function Measure-ProcessWork([string] $Command) {
    $report = '[Console]::Out.WriteLine((''WORK {0} {1}'' -f [System.Runtime.JitInfo]::GetCompiledMethodCount(), ' +
        '[Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds.ToString([cultureinfo]::InvariantCulture)))'
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', ((@(($Command -replace '(^|; )exit$', ''), $report) | Where-Object { $_ }) -join '; '))
    $line = & $pwsh[0] @arguments | Where-Object { "$_" -like 'WORK *' } | Select-Object -Last 1
    if (-not $line) { throw "'$Command' reported no work figures" }
    $fields = "$line".Split(' ')
    return [pscustomobject]@{ Jit = [int] $fields[1]; Cpu = [double]::Parse($fields[2], [cultureinfo]::InvariantCulture) }
}

try {
# One warm-up each: the first start of a process pays for disk caches that later ones do not.
foreach ($command in $series.Values) { $null = Measure-Process $command }

$samples = @{}
foreach ($name in $series.Keys) { $samples[$name] = [System.Collections.Generic.List[double]]::new() }
for ($i = 1; $i -le $Count; $i++) {
    Write-Progress -Activity 'Measure-Import' -Status "round $i of $Count" -PercentComplete (100 * ($i - 1) / $Count)
    foreach ($name in $series.Keys) { $samples[$name].Add((Measure-Process $series[$name])) }
}
Write-Progress -Activity 'Measure-Import' -Completed
$work = @{}
foreach ($name in $series.Keys) { $work[$name] = Measure-ProcessWork $series[$name] }
}
finally {
    $env:BENCH_ORTHANC_PASSWORD = $null
    $env:BENCH_ORTHANC_USER = $null
    if ($orthanc) { Stop-TestOrthanc $orthanc }
    if (Test-Path $workFolder) { Remove-Item -Recurse -Force $workFolder }
}

$baseline = Get-Percentile $samples['pwsh -c exit (baseline)'].ToArray() 0.5
$baseWork = $work['pwsh -c exit (baseline)']
$rows = foreach ($name in $series.Keys) {
    $values = $samples[$name].ToArray()
    $median = Get-Percentile $values 0.5
    [pscustomobject]@{
        Series        = $name
        'Median (s)'  = [math]::Round($median, 3)
        'P10 (s)'     = [math]::Round((Get-Percentile $values 0.1), 3)
        'P90 (s)'     = [math]::Round((Get-Percentile $values 0.9), 3)
        'Over baseline (s)' = [math]::Round($median - $baseline, 3)
        'JIT methods'   = $work[$name].Jit
        'JIT over baseline' = $work[$name].Jit - $baseWork.Jit
        'CPU (s)'       = [math]::Round($work[$name].Cpu, 3)
        'CPU over baseline (s)' = [math]::Round($work[$name].Cpu - $baseWork.Cpu, 3)
    }
}
"DicomTools import time: $Count fresh processes per series, pwsh $($PSVersionTable.PSVersion), $([Environment]::ProcessorCount) cores, $(Get-Date -Format 'yyyy-MM-dd HH:mm')"
$rows | Format-Table -AutoSize | Out-String -Width 200
$cost = ($rows | Where-Object Series -EQ 'Import-Module DicomTools').'Over baseline (s)'
"Import-Module DicomTools costs $cost s over an empty pwsh (goal: under 0.3 s)."
if ($series.Contains($scenario)) {
    $scenarioCost = ($rows | Where-Object Series -EQ $scenario).'Over baseline (s)'
    "Import + first Set-DicomTags + first Send-DicomFile of one file costs $scenarioCost s over an empty pwsh (goal: at most 0.25 s)."
}
