#Requires -Version 7.2
<#
.SYNOPSIS
    Runs every row of the performance table side by side in one run, the peers included, prints the figures and the
    ratios, and (with -UpdateReadme) rewrites the table in README.md between its marker comments.
.DESCRIPTION
    Corpus (tools/DicomTools.SampleData): -Count files of 512x512 16-bit (~0.5 MB) with nested sequences and a private
    block, in three transfer syntaxes (half explicit VR LE, a quarter implicit VR LE, a quarter explicit VR BE), and one
    multi-frame file of -LargeFileMB. Rows, each against its peer in the same run:
      - first edit of the corpus: dcmodify (-nb -i, batches of 500), dcmodify + one sync, cp -r + sync;
      - re-run with the same values: dcmodify again (it rewrites every file);
      - one edit of the large file: cp + sync of the same file;
      - uploads: bench/Measure-Upload.ps1 through its parameters (its own table is printed as it is);
      - start-up: `pwsh -c exit` against import + Get-DicomTag + Set-DicomTags of one file (median of -StartupRuns);
        bench/Measure-Import.ps1 is run too and prints its own table.
    "In session" is one pwsh that has imported the module and times `Get-ChildItem ... | Set-DicomTags ...` itself,
    the first call included. "Whole process" is a fresh pwsh per step, timed from outside (start-up included).
    Besides wall time, every DicomTools step reports load-independent proxies: CPU seconds and, in session, bytes
    allocated (GC.GetTotalAllocatedBytes). Timings on a loaded machine are noise: read the ratios (same run) and the
    proxies. A benchmark is not a test: nothing here fails on a timing.
.EXAMPLE
    dotnet pwsh ./bench/Measure-All.ps1 -Quick                  # 200 files, 128 MB, 30 uploads: does it work?
.EXAMPLE
    dotnet pwsh ./bench/Measure-All.ps1 -UpdateReadme           # the issue's scale on a quiet machine; rewrites the table
#>
[CmdletBinding()]
param(
    # A smaller run: 200 files, a 128 MB file, 30 uploads, 3 start-up samples (unless given explicitly).
    [switch] $Quick,
    [ValidateRange(4, 1000000)] [int] $Count,
    [ValidateRange(1, 4000)] [int] $LargeFileMB,
    [ValidateRange(0, 100000)] [int] $UploadCount,
    [ValidateRange(1, 100)] [int] $StartupRuns,
    # Files Set-DicomTags edits at once; 0: the cmdlet's own default, as an admin types it.
    [ValidateRange(0, 256)] [int] $ThrottleLimit = 0,
    [string] $WorkFolder = (Join-Path $PSScriptRoot 'work/all'),
    [string] $Configuration = 'Release',
    # Rewrite the table between <!-- bench:all:begin --> and <!-- bench:all:end --> in README.md.
    [switch] $UpdateReadme
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repoRoot = Split-Path $PSScriptRoot
if (-not $PSBoundParameters.ContainsKey('Count')) { $Count = if ($Quick) { 200 } else { 2000 } }
if (-not $PSBoundParameters.ContainsKey('LargeFileMB')) { $LargeFileMB = if ($Quick) { 128 } else { 1024 } }
if (-not $PSBoundParameters.ContainsKey('UploadCount')) { $UploadCount = if ($Quick) { 30 } else { 300 } }
if (-not $PSBoundParameters.ContainsKey('StartupRuns')) { $StartupRuns = if ($Quick) { 3 } else { 10 } }

. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
$build = Get-BenchBuild $repoRoot $Configuration
$modulePath = $build.ModulePath
$sampleData = $build.SampleData
foreach ($tool in 'dcmodify', 'cp', 'sync') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) { throw "$tool is missing (dcmodify: apt-get install dcmtk)." }
}
$pwsh = Get-ChildPwshCommand
$pwshArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive')

# The same five values for both tools (the sample plan's tags, as an admin sets them).
$values = [ordered]@{
    '(0010,0010)' = 'Bella^Smith'; '(0010,0020)' = 'ref0000022tes-cbc-001'; '(0010,2201)' = 'Feline'
    '(2200,0005)' = 'CBC'; '(0008,0080)' = 'Northside Vets'
}

# One runner for both ways: in session it runs several steps in one process and times each itself; as a whole process
# it runs one step and is timed from outside. Each step prints one line "STEP <json>".
$runner = Join-Path ([IO.Path]::GetTempPath()) "Measure-All-$PID.ps1"
Set-Content -LiteralPath $runner -Value @'
param([string] $Module, [string[]] $Steps, [string] $Folder, [string] $LargeFile, [string] $OneFile, [int] $ThrottleLimit)
$ErrorActionPreference = 'Stop'
$Steps = @($Steps -split ',') # one argument through -File
Import-Module $Module
$metadata = @{ SampleId = 'ref0000022tes-cbc'; PatientName = 'Bella^Smith'; Species = 'Feline'; TestType = 'CBC'; ClinicName = 'Northside Vets' }
$process = [Diagnostics.Process]::GetCurrentProcess()
$throttle = if ($ThrottleLimit -gt 0) { @{ ThrottleLimit = $ThrottleLimit } } else { @{} }
foreach ($step in $Steps) {
    $process.Refresh()
    $cpu = $process.TotalProcessorTime
    $allocated = [GC]::GetTotalAllocatedBytes($true)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $statuses = switch -Wildcard ($step) {
        'first*' { Get-ChildItem -LiteralPath $Folder -Recurse -File -Filter *.dcm | Set-DicomTags -Metadata $metadata @throttle }
        'rerun*' { Get-ChildItem -LiteralPath $Folder -Recurse -File -Filter *.dcm | Set-DicomTags -Metadata $metadata @throttle }
        'large*' { Get-Item -LiteralPath $LargeFile | Set-DicomTags -Metadata $metadata }
        'startup' { $null = Get-DicomTag -LiteralPath $OneFile; Get-Item -LiteralPath $OneFile | Set-DicomTags -Metadata $metadata -WhatIf:$false }
        'nothing' { }
    }
    $seconds = $clock.Elapsed.TotalSeconds
    $process.Refresh()
    $byStatus = @{}
    foreach ($s in @($statuses)) { if ($s -and $s.PSObject.Properties['Status']) { $byStatus["$($s.Status)"] = 1 + [int] $byStatus["$($s.Status)"] } }
    'STEP ' + ([pscustomobject]@{
            Step = $step; Seconds = $seconds; CpuSeconds = ($process.TotalProcessorTime - $cpu).TotalSeconds
            AllocatedMB = ([GC]::GetTotalAllocatedBytes($true) - $allocated) / 1MB; Statuses = $byStatus
        } | ConvertTo-Json -Compress)
}
'@

function Read-Steps($Run) {
    if ($Run.ExitCode -ne 0) { throw "The runner failed (exit $($Run.ExitCode)):`n$($Run.Output -join "`n")" }
    $steps = @{}
    foreach ($line in $Run.Output) { if ($line -like 'STEP *') { $s = $line.Substring(5) | ConvertFrom-Json; $steps[$s.Step] = $s } }
    $steps
}

function Assert-Status($Step, [string] $Status, [int] $Expected) {
    $got = $Step.Statuses.PSObject.Properties[$Status]
    if (-not $got -or [int] $got.Value -ne $Expected) {
        throw "Step $($Step.Step): expected $Expected x $Status, got $($Step.Statuses | ConvertTo-Json -Compress)."
    }
}

function Invoke-Runner([string[]] $Steps, [hashtable] $Arguments) {
    $list = @('-File', $runner, '-Module', $modulePath, '-ThrottleLimit', $ThrottleLimit, '-Steps', ($Steps -join ','))
    foreach ($k in $Arguments.Keys) { $list += @("-$k", $Arguments[$k]) }
    $run = Measure-BenchProcess $pwsh[0] ($pwshArgs + $list)
    [pscustomobject]@{ Process = $run; Steps = Read-Steps $run }
}

function Measure-Command-Seconds([scriptblock] $Work) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & $Work
    if ($LASTEXITCODE) { throw "A peer command failed (exit $LASTEXITCODE)." }
    $clock.Elapsed.TotalSeconds
}

function Invoke-Dcmodify([string[]] $Files) {
    $insert = foreach ($k in $values.Keys) { '-i'; "$k=$($values[$k])" }
    $cpu = 0.0; $seconds = 0.0
    for ($i = 0; $i -lt $Files.Count; $i += 500) {
        $batch = $Files[$i..([Math]::Min($i + 500, $Files.Count) - 1)]
        $run = Measure-BenchProcess 'dcmodify' (@('-nb') + $insert + $batch)
        if ($run.ExitCode -ne 0) { throw "dcmodify failed (exit $($run.ExitCode)):`n$($run.Output -join "`n")" }
        $seconds += $run.Seconds; $cpu += $run.CpuSeconds
    }
    [pscustomobject]@{ Seconds = $seconds; CpuSeconds = $cpu }
}

function Copy-Tree([string] $From, [string] $To) {
    if (Test-Path $To) { Remove-Item -Recurse -Force $To }
    & cp -r $From $To
    if ($LASTEXITCODE) { throw "cp -r $From $To failed." }
}

function Get-Median([double[]] $Samples) {
    $sorted = @($Samples | Sort-Object)
    if ($sorted.Count % 2) { $sorted[[int][Math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}

# --- the corpus ---------------------------------------------------------------------------------------------
if (Test-Path $WorkFolder) { Remove-Item -Recurse -Force $WorkFolder }
$null = New-Item -ItemType Directory -Force $WorkFolder
$pristine = Join-Path $WorkFolder 'pristine'
$explicitCount = [int] [Math]::Ceiling($Count / 2)
$implicitCount = [int] [Math]::Floor(($Count - $explicitCount) / 2)
$bigEndianCount = $Count - $explicitCount - $implicitCount
Write-Host "Generating $Count files (explicit LE $explicitCount, implicit LE $implicitCount, explicit BE $bigEndianCount) and one of ~$LargeFileMB MB..."
$seed = 2026
foreach ($part in @(@('explicit-le', $explicitCount), @('implicit-le', $implicitCount), @('explicit-be', $bigEndianCount))) {
    if ($part[1] -le 0) { continue }
    & dotnet $sampleData --out (Join-Path $pristine $part[0]) --count $part[1] --rows 512 --cols 512 --layout series --per-series 100 --transfer-syntax $part[0] --seed ($seed++) --prefix ($part[0].Substring(0, 3).ToUpperInvariant())
    if ($LASTEXITCODE) { throw 'corpus generation failed' }
}
$largeFolder = Join-Path $WorkFolder 'large'
$frames = [Math]::Max(1, [int] [Math]::Round($LargeFileMB * 1MB / (512 * 512 * 2)))
& dotnet $sampleData --out $largeFolder --count 1 --rows 512 --cols 512 --frames $frames --prefix BIG --seed 2027
if ($LASTEXITCODE) { throw 'large file generation failed' }
$largePristine = @(Get-ChildItem -LiteralPath $largeFolder -Recurse -File -Filter *.dcm)[0].FullName
$largeMB = (Get-Item -LiteralPath $largePristine).Length / 1MB
$corpusMB = (Get-ChildItem -LiteralPath $pristine -Recurse -File -Filter *.dcm | Measure-Object Length -Sum).Sum / 1MB
$oneFile = @(Get-ChildItem -LiteralPath $pristine -Recurse -File -Filter *.dcm)[0].FullName

$session = Join-Path $WorkFolder 'session'
$fresh = Join-Path $WorkFolder 'process'
$peer = Join-Path $WorkFolder 'dcmodify'
$cpCopy = Join-Path $WorkFolder 'cp-copy'
foreach ($copy in $session, $fresh, $peer) { Copy-Tree $pristine $copy }
$largeSession = Join-Path $WorkFolder 'large-session.dcm'
$largeProcess = Join-Path $WorkFolder 'large-process.dcm'
foreach ($copy in $largeSession, $largeProcess) { & cp $largePristine $copy }
$startupFolder = Join-Path $WorkFolder 'startup'
$null = New-Item -ItemType Directory $startupFolder
& sync # what the copies left dirty is not any step's to pay

# --- first edit and re-run ----------------------------------------------------------------------------------
Write-Host 'Peers: cp -r + sync, dcmodify, dcmodify + sync...'
$cpR = Measure-Command-Seconds { & cp -r $pristine $cpCopy; & sync }
$peerFiles = @(Get-ChildItem -LiteralPath $peer -Recurse -File -Filter *.dcm | ForEach-Object FullName)
$dcmodifyFirst = Invoke-Dcmodify $peerFiles
$dcmodifySync = Measure-Command-Seconds { & sync }
$dcmodifyRerun = Invoke-Dcmodify $peerFiles
& sync

Write-Host 'Set-DicomTags in one session: first edit, re-run, large file...'
$inSession = Invoke-Runner @('first', 'rerun', 'large') @{ Folder = $session; LargeFile = $largeSession }
Assert-Status $inSession.Steps['first'] 'Updated' $Count
Assert-Status $inSession.Steps['rerun'] 'Unchanged' $Count
Assert-Status $inSession.Steps['large'] 'Updated' 1

Write-Host 'Set-DicomTags as fresh processes: first edit, re-run, large file, one small file...'
$processFirst = Invoke-Runner @('first') @{ Folder = $fresh }
Assert-Status $processFirst.Steps['first'] 'Updated' $Count
$processRerun = Invoke-Runner @('rerun') @{ Folder = $fresh }
Assert-Status $processRerun.Steps['rerun'] 'Unchanged' $Count
$processLarge = Invoke-Runner @('large') @{ LargeFile = $largeProcess }
$smallProcess = Join-Path $WorkFolder 'small-process.dcm'
Copy-Item -LiteralPath $oneFile -Destination $smallProcess
$processSmall = Invoke-Runner @('large') @{ LargeFile = $smallProcess }

Write-Host 'Peer: cp + sync of the large file...'
$cpLarge = Measure-Command-Seconds { & cp $largePristine (Join-Path $WorkFolder 'large-cp.dcm'); & sync }

# --- start-up -----------------------------------------------------------------------------------------------
Write-Host "Start-up: pwsh -c exit against import + Get-DicomTag + Set-DicomTags on one file ($StartupRuns each, alternating)..."
$bare = [Collections.Generic.List[double]]::new()
$withModule = [Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt $StartupRuns; $i++) {
    $bare.Add((Measure-BenchProcess $pwsh[0] ($pwshArgs + @('-c', 'exit'))).Seconds)
    $copy = Join-Path $startupFolder "one-$i.dcm"
    Copy-Item -LiteralPath $oneFile -Destination $copy
    $run = Invoke-Runner @('startup') @{ OneFile = $copy }
    $withModule.Add($run.Process.Seconds)
}
$bareMedian = Get-Median $bare
$moduleMedian = Get-Median $withModule

# --- uploads and import: the scripts that own them, through their parameters ------------------------------
$uploadText = $null
if ($UploadCount -gt 0) {
    Write-Host "Uploads: bench/Measure-Upload.ps1 -Count $UploadCount..."
    $upload = Measure-BenchProcess $pwsh[0] ($pwshArgs + @('-File', (Join-Path $PSScriptRoot 'Measure-Upload.ps1'), '-Count', $UploadCount, '-LargeFileMB', [Math]::Min(64, $LargeFileMB), '-Configuration', $Configuration))
    $uploadText = $upload.Output -join "`n"
    if ($upload.ExitCode -ne 0) { Write-Warning "Measure-Upload.ps1 failed (exit $($upload.ExitCode)); its rows are left out." ; $uploadText = $null }
}
Write-Host "Import: bench/Measure-Import.ps1 -Count $StartupRuns..."
$import = Measure-BenchProcess $pwsh[0] ($pwshArgs + @('-File', (Join-Path $PSScriptRoot 'Measure-Import.ps1'), '-ModulePath', $modulePath, '-Count', [Math]::Max(3, $StartupRuns)))
$importText = $import.Output -join "`n"

Remove-Item -LiteralPath $runner -ErrorAction Ignore
Remove-Item -Recurse -Force $WorkFolder

# --- the table ----------------------------------------------------------------------------------------------
function Format-Seconds([double] $s) { '{0:0.00} s' -f $s }
function Format-Ratio([double] $peerSeconds, [double] $ourSeconds) { if ($ourSeconds -gt 0) { '{0:0.00}×' -f ($peerSeconds / $ourSeconds) } else { '' } }
function Format-Proxy($step, $process) {
    $parts = @()
    if ($step) { $parts += '{0:0.00} s CPU, {1:0} MB allocated in session' -f $step.CpuSeconds, $step.AllocatedMB }
    if ($process) { $parts += '{0:0.00} s CPU, peak {1:0} MB as a process' -f $process.CpuSeconds, $process.PeakMB }
    $parts -join '; '
}

$first = $inSession.Steps['first']; $rerun = $inSession.Steps['rerun']; $large = $inSession.Steps['large']
$durableFloor = $dcmodifyFirst.Seconds + $dcmodifySync
$rows = [Collections.Generic.List[object]]::new()
$rows.Add([pscustomobject]@{
        Work = "first edit, $Count files ({0:0} MB)" -f $corpusMB
        Peer = ('dcmodify {0}; dcmodify + sync {1}; cp -r + sync {2}' -f (Format-Seconds $dcmodifyFirst.Seconds), (Format-Seconds $durableFloor), (Format-Seconds $cpR))
        InSession = ('{0} = {1} of dcmodify + sync (goal ≥ 0.95×)' -f (Format-Seconds $first.Seconds), (Format-Ratio $durableFloor $first.Seconds))
        WholeProcess = ('{0} = {1}' -f (Format-Seconds $processFirst.Process.Seconds), (Format-Ratio $durableFloor $processFirst.Process.Seconds))
        Proxies = Format-Proxy $first $processFirst.Process
    })
$rows.Add([pscustomobject]@{
        Work = 're-run, same values'
        Peer = ('dcmodify {0} (rewrites all)' -f (Format-Seconds $dcmodifyRerun.Seconds))
        InSession = ('{0} = {1} (goal ≥ 10×)' -f (Format-Seconds $rerun.Seconds), (Format-Ratio $dcmodifyRerun.Seconds $rerun.Seconds))
        WholeProcess = ('{0} = {1} (goal ≥ 1.5×)' -f (Format-Seconds $processRerun.Process.Seconds), (Format-Ratio $dcmodifyRerun.Seconds $processRerun.Process.Seconds))
        Proxies = Format-Proxy $rerun $processRerun.Process
    })
$rows.Add([pscustomobject]@{
        Work = ('{0:0} MB edit' -f $largeMB)
        Peer = ('cp + sync {0}' -f (Format-Seconds $cpLarge))
        InSession = ('{0} = {1:0.00}× cp + sync (goal ≤ 1.3×)' -f (Format-Seconds $large.Seconds), ($large.Seconds / $cpLarge))
        WholeProcess = ('{0}; peak {1:+0;-0;0} MB over one small file' -f (Format-Seconds $processLarge.Process.Seconds), ($processLarge.Process.PeakMB - $processSmall.Process.PeakMB))
        Proxies = Format-Proxy $large $processLarge.Process
    })
if ($uploadText) {
    # Measure-Upload prints its own table; its python and ThrottleLimit 4 rows are picked out for this one.
    $python = if ($uploadText -match '(?m)^python3[^\n]*?\s(\d+)\s+([\d.]+)\s') { [double] $Matches[2] } else { $null }
    $four = if ($uploadText -match '(?m)^\**Send-DicomFile Raw, ThrottleLimit 4\**\s+(\d+)\s+([\d.]+)\s') { [double] $Matches[2] } else { $null }
    $fourProcess = if ($uploadText -match '(?m)^\**Send-DicomFile Raw, ThrottleLimit 4, whole pwsh process\**\s+(\d+)\s+([\d.]+)\s') { [double] $Matches[2] } else { $null }
    $stow = if ($uploadText -match '(?m)^\**Send-DicomFile StowRs, batches of \d+\**\s+(\d+)\s+([\d.]+)\s') { [double] $Matches[2] } else { $null }
    $rows.Add([pscustomobject]@{
            Work = "upload $UploadCount files"
            Peer = if ($python) { 'python requests.post loop {0}' -f (Format-Seconds $python) } else { 'see Measure-Upload.ps1 below' }
            InSession = if ($python -and $four) {
                ('Send-DicomFile -ThrottleLimit 4: {0} = {1}' -f (Format-Seconds $four), (Format-Ratio $python $four)) +
                $(if ($stow) { ('; STOW-RS batches {0} = {1}' -f (Format-Seconds $stow), (Format-Ratio $python $stow)) })
            } else { 'see Measure-Upload.ps1 below' }
            WholeProcess = if ($python -and $fourProcess) { ('{0} = {1}' -f (Format-Seconds $fourProcess), (Format-Ratio $python $fourProcess)) } else { '–' }
            Proxies = ''
        })
}
$rows.Add([pscustomobject]@{
        Work = 'start-up'
        Peer = ('`pwsh -c exit` {0} (median of {1})' -f (Format-Seconds $bareMedian), $StartupRuns)
        InSession = '–'
        WholeProcess = ('import + Get-DicomTag + Set-DicomTags of one file: {0} (+{1:0.00} s)' -f (Format-Seconds $moduleMedian), ($moduleMedian - $bareMedian))
        Proxies = ''
    })

$machine = '{0} logical CPUs, {1}' -f [Environment]::ProcessorCount, $(if ($Quick) { '-Quick' } else { 'full scale' })
Write-Host ''
$throttleText = if ($ThrottleLimit) { "$ThrottleLimit" } else { 'the default' }
Write-Host "All rows, one run ($machine; $Count files of ~0.5 MB in three transfer syntaxes, one $([Math]::Round($largeMB)) MB file; ThrottleLimit $throttleText):"
$rows | Format-Table -Wrap -AutoSize | Out-String -Width 250 | Write-Host
if ($uploadText) { Write-Host "`nMeasure-Upload.ps1 -Count ${UploadCount}:"; Write-Host $uploadText }
Write-Host "`nMeasure-Import.ps1:"; Write-Host $importText

if ($UpdateReadme) {
    $readme = Join-Path $repoRoot 'README.md'
    $text = Get-Content -Raw -LiteralPath $readme
    $begin = '<!-- bench:all:begin -->'; $end = '<!-- bench:all:end -->'
    $i = $text.IndexOf($begin); $j = $text.IndexOf($end)
    if ($i -lt 0 -or $j -lt $i) { throw "README.md has no $begin ... $end markers." }
    $lines = @(
        $begin
        ''
        "Generated by ``dotnet pwsh ./bench/Measure-All.ps1$(if ($Quick) { ' -Quick' }) -UpdateReadme`` on $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd')) ($machine):"
        ''
        '| work | peer | DicomTools in session | DicomTools whole process | proxies |'
        '| --- | --- | --- | --- | --- |'
    )
    foreach ($r in $rows) { $lines += "| $($r.Work) | $($r.Peer) | $($r.InSession) | $($r.WholeProcess) | $($r.Proxies) |" }
    $lines += @('', $end)
    $text = $text.Substring(0, $i) + ($lines -join "`n") + $text.Substring($j + $end.Length)
    Set-Content -LiteralPath $readme -Value $text -NoNewline
    Write-Host "README.md's table rewritten."
}
