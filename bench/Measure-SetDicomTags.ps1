#Requires -Version 7.2
<#
.SYNOPSIS
    Benchmarks Set-DicomTags against dcmodify on the same generated corpus and prints one table.
.DESCRIPTION
    Generates (with tools/DicomTools.SampleData) a corpus of -Count files (512x512 16-bit, explicit VR LE, ~90
    top-level elements with nested sequences) and -LargeFileCount multi-frame files of -LargeFileMB each, then
    times, as whole processes (start-up included):
      - Set-DicomTags, first edit: one fresh pwsh, the whole folder piped in from Get-ChildItem -Recurse;
      - Set-DicomTags, re-run with the same values (nothing to change);
      - dcmodify, first edit: batches of -BatchSize files per process, -nb -i with the same five values;
      - dcmodify, re-run;
      - peak memory on one large file (Set-DicomTags, against the same command on one small file; dcmodify).
    Peak memory is the process's maximum resident set (GNU time -v, or /proc VmHWM when GNU time is missing).
    Set-DicomTags flushes each file to disk before replacing it (crash-safe); dcmodify does not.
    The full scale (the defaults) needs ~4.5 GB of disk and several minutes: run it on a quiet machine.
.EXAMPLE
    dotnet pwsh ./bench/Measure-SetDicomTags.ps1 -Count 20 -LargeFileMB 50     # a quick check
.EXAMPLE
    dotnet pwsh ./bench/Measure-SetDicomTags.ps1                               # the issue's corpus
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 1000000)] [int] $Count = 2000,
    [ValidateRange(8, 65535)] [int] $Rows = 512,
    [ValidateRange(8, 65535)] [int] $Columns = 512,
    [ValidateRange(0, 100)] [int] $LargeFileCount = 3,
    [ValidateRange(1, 4000)] [int] $LargeFileMB = 1024,
    [ValidateRange(1, 100000)] [int] $BatchSize = 500,
    # Files Set-DicomTags edits at once; 0: the cmdlet's own default, as an admin types it.
    [ValidateRange(0, 256)] [int] $ThrottleLimit = 0,
    [string] $WorkFolder = (Join-Path $PSScriptRoot 'work'),
    [string] $Configuration = 'Release',
    [switch] $KeepCorpus
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repoRoot = Split-Path $PSScriptRoot

# --- what we need -------------------------------------------------------------------------------------------
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
$build = Get-BenchBuild $repoRoot $Configuration
$modulePath = $build.ModulePath
$sampleData = $build.SampleData
$dcmodify = (Get-Command dcmodify -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
if (-not $dcmodify) { throw 'dcmodify is missing: apt-get install dcmtk' }
$gnuTime = if (Test-Path /usr/bin/time) { '/usr/bin/time' } else { $null }
if (-not $gnuTime) { Write-Warning 'GNU time is missing (apt-get install time); peak memory is read from /proc VmHWM instead.' }

$pwsh = Get-ChildPwshCommand

$values = [ordered]@{
    '(0010,0010)' = 'Bella^Smith'; '(0010,0020)' = 'ref0000022tes-cbc-001'; '(0010,2201)' = 'Feline'
    '(2200,0005)' = 'CBC'; '(0008,0080)' = 'Northside Vets'
}

# --- measuring a process ------------------------------------------------------------------------------------
# Runs one process to its end; returns seconds (start-up included), peak resident MB, exit code and output.
function Measure-Process([string] $FilePath, [string[]] $ArgumentList) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    if ($gnuTime) {
        $report = [IO.Path]::GetTempFileName()
        try {
            $output = & $gnuTime -v -o $report $FilePath @ArgumentList 2>&1
            $exit = $LASTEXITCODE
            $seconds = $clock.Elapsed.TotalSeconds
            $line = Select-String -LiteralPath $report -Pattern 'Maximum resident set size \(kbytes\): (\d+)' | Select-Object -First 1
            $peakMB = if ($line) { [double] $line.Matches[0].Groups[1].Value / 1024 } else { [double]::NaN }
        } finally { Remove-Item -LiteralPath $report -ErrorAction Ignore }
    } else {
        $info = [Diagnostics.ProcessStartInfo]::new($FilePath)
        foreach ($a in $ArgumentList) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($info)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $peakKb = 0
        while (-not $process.HasExited) {
            $status = Get-Content -LiteralPath "/proc/$($process.Id)/status" -ErrorAction Ignore
            $hwm = $status | Select-String '^VmHWM:\s+(\d+)' | Select-Object -First 1
            if ($hwm) { $peakKb = [Math]::Max($peakKb, [long] $hwm.Matches[0].Groups[1].Value) }
            Start-Sleep -Milliseconds 20
        }
        $process.WaitForExit()
        $seconds = $clock.Elapsed.TotalSeconds
        $exit = $process.ExitCode
        $output = ($stdout.Result + $stderr.Result) -split "`n"
        $peakMB = $peakKb / 1024
    }
    [pscustomobject]@{ Seconds = $seconds; PeakMB = $peakMB; ExitCode = $exit; Output = @($output | ForEach-Object { "$_" }) }
}

# Set-DicomTags in one fresh pwsh, the folder's files piped in; checks every file got the expected status.
$runner = Join-Path ([IO.Path]::GetTempPath()) "Measure-SetDicomTags-$PID.ps1"
Set-Content -LiteralPath $runner -Value @'
param([string] $Module, [string] $Folder, [int] $ThrottleLimit)
Import-Module $Module
$metadata = @{ SampleId = 'ref0000022tes-cbc'; PatientName = 'Bella^Smith'; Species = 'Feline'; TestType = 'CBC'; ClinicName = 'Northside Vets' }
$throttle = if ($ThrottleLimit -gt 0) { @{ ThrottleLimit = $ThrottleLimit } } else { @{} }
Get-ChildItem -LiteralPath $Folder -Recurse -File -Filter *.dcm |
    Set-DicomTags -Metadata $metadata @throttle |
    Group-Object Status -NoElement | ForEach-Object { 'STATUS {0}={1}' -f $_.Name, $_.Count }
'@

function Invoke-SetDicomTags([string] $Folder, [int] $Expected, [string] $ExpectedStatus) {
    $run = Measure-Process $pwsh[0] (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $runner,
            '-Module', $modulePath, '-Folder', $Folder, '-ThrottleLimit', $ThrottleLimit))
    $statuses = @($run.Output | Where-Object { $_ -like 'STATUS *' })
    if ($run.ExitCode -ne 0 -or ($Expected -gt 0 -and $statuses -notcontains "STATUS $ExpectedStatus=$Expected")) {
        throw "Set-DicomTags on $Folder did not give $Expected x $ExpectedStatus (exit $($run.ExitCode)):`n$($run.Output -join "`n")"
    }
    $run
}

# dcmodify in batches of $BatchSize files a process; the total time and the highest peak of the batches.
function Invoke-Dcmodify([string[]] $Files) {
    $insert = foreach ($k in $values.Keys) { '-i'; "$k=$($values[$k])" }
    $seconds = 0.0; $peak = 0.0
    for ($i = 0; $i -lt $Files.Count; $i += $BatchSize) {
        $batch = $Files[$i..([Math]::Min($i + $BatchSize, $Files.Count) - 1)]
        $run = Measure-Process $dcmodify (@('-nb') + $insert + $batch)
        if ($run.ExitCode -ne 0) { throw "dcmodify failed (exit $($run.ExitCode)):`n$($run.Output -join "`n")" }
        $seconds += $run.Seconds
        $peak = [Math]::Max($peak, $run.PeakMB)
    }
    [pscustomobject]@{ Seconds = $seconds; PeakMB = $peak }
}

function Copy-Corpus([string] $From, [string] $To) {
    if (Test-Path $To) { Remove-Item -Recurse -Force $To }
    $null = New-Item -ItemType Directory -Force $To
    Copy-Item -Path (Join-Path $From '*') -Destination $To -Recurse
}

# --- the corpus ---------------------------------------------------------------------------------------------
$pristine = Join-Path $WorkFolder 'pristine'
$pristineLarge = Join-Path $WorkFolder 'pristine-large'
foreach ($f in $pristine, $pristineLarge) { if (Test-Path $f) { Remove-Item -Recurse -Force $f } }
Write-Host "Generating $Count files of ${Rows}x${Columns} 16-bit and $LargeFileCount file(s) of ~$LargeFileMB MB..."
& dotnet $sampleData --out $pristine --count $Count --rows $Rows --cols $Columns --layout series --per-series 100 --seed 2026
if ($LASTEXITCODE) { throw 'corpus generation failed' }
$framesPerLarge = [Math]::Max(1, [int] [Math]::Round($LargeFileMB * 1MB / (512 * 512 * 2)))
if ($LargeFileCount -gt 0) {
    & dotnet $sampleData --out $pristineLarge --count $LargeFileCount --rows 512 --cols 512 --frames $framesPerLarge --prefix BIG --seed 2027
    if ($LASTEXITCODE) { throw 'large file generation failed' }
}
$smallFiles = @(Get-ChildItem -LiteralPath $pristine -Recurse -File -Filter *.dcm)
$corpusMB = ($smallFiles | Measure-Object Length -Sum).Sum / 1MB

# --- the runs -----------------------------------------------------------------------------------------------
$table = [Collections.Generic.List[object]]::new()
function Add-Row([string] $Case, [int] $Files, [double] $MB, $Run, [double] $Ratio) {
    $table.Add([pscustomobject]@{
            Case          = $Case
            Files         = $Files
            Seconds       = [Math]::Round($Run.Seconds, 2)
            'Files/s'     = if ($Files) { [Math]::Round($Files / $Run.Seconds, 1) } else { $null }
            'MB/s'        = if ($MB) { [Math]::Round($MB / $Run.Seconds, 1) } else { $null }
            'Peak MB'     = [Math]::Round($Run.PeakMB, 0)
            'vs dcmodify' = if ($Ratio) { '{0:0.00}x' -f $Ratio } else { '' }
        })
}

$ours = Join-Path $WorkFolder 'set-dicomtags'
$theirs = Join-Path $WorkFolder 'dcmodify'
Copy-Corpus $pristine $ours
Copy-Corpus $pristine $theirs
$theirFiles = @(Get-ChildItem -LiteralPath $theirs -Recurse -File -Filter *.dcm | ForEach-Object FullName)

Write-Host 'pwsh start-up and Import-Module alone...'
$empty = Join-Path $WorkFolder 'empty'
$null = New-Item -ItemType Directory -Force $empty
$startup = Invoke-SetDicomTags $empty 0 'Updated'
Write-Host 'Set-DicomTags, first edit...'
$ourFirst = Invoke-SetDicomTags $ours $Count 'Updated'
Write-Host 'Set-DicomTags, re-run...'
$ourRerun = Invoke-SetDicomTags $ours $Count 'Unchanged'
Write-Host "dcmodify, first edit (batches of $BatchSize)..."
$theirFirst = Invoke-Dcmodify $theirFiles
Write-Host 'dcmodify, re-run...'
$theirRerun = Invoke-Dcmodify $theirFiles

Add-Row 'pwsh start-up + Import-Module, no file' 0 0 $startup 0
Add-Row 'Set-DicomTags first edit' $Count $corpusMB $ourFirst ($theirFirst.Seconds / $ourFirst.Seconds)
Add-Row 'Set-DicomTags re-run (no change)' $Count $corpusMB $ourRerun ($theirRerun.Seconds / $ourRerun.Seconds)
Add-Row 'dcmodify first edit' $Count $corpusMB $theirFirst 0
Add-Row 'dcmodify re-run' $Count $corpusMB $theirRerun 0

if ($LargeFileCount -gt 0) {
    $large = Join-Path $WorkFolder 'large'
    $one = Join-Path $WorkFolder 'one-small'
    Copy-Corpus $pristineLarge $large
    if (Test-Path $one) { Remove-Item -Recurse -Force $one }
    $null = New-Item -ItemType Directory $one
    Copy-Item -LiteralPath $smallFiles[0].FullName -Destination $one
    $largeFiles = @(Get-ChildItem -LiteralPath $large -File | Sort-Object Name)
    $largeMB = $largeFiles[0].Length / 1MB

    Write-Host 'Peak memory: one small file, then each large file...'
    $small = Invoke-SetDicomTags $one 1 'Updated'
    Add-Row 'Set-DicomTags one small file' 1 ($smallFiles[0].Length / 1MB) $small 0
    $largeRuns = foreach ($file in $largeFiles) {
        $folder = Join-Path $large ([IO.Path]::GetFileNameWithoutExtension($file.Name))
        $null = New-Item -ItemType Directory $folder
        Move-Item -LiteralPath $file.FullName -Destination $folder
        Invoke-SetDicomTags $folder 1 'Updated'
    }
    $worst = $largeRuns | Sort-Object PeakMB -Descending | Select-Object -First 1
    $theirLarge = Invoke-Dcmodify @(Get-ChildItem -LiteralPath $large -Recurse -File -Filter *.dcm | Select-Object -First 1 | ForEach-Object FullName)
    Add-Row ("Set-DicomTags one {0:0} MB file (worst of {1})" -f $largeMB, $largeFiles.Count) 1 $largeMB $worst ($theirLarge.Seconds / $worst.Seconds)
    Add-Row ("dcmodify one {0:0} MB file" -f $largeMB) 1 $largeMB $theirLarge 0
    $growth = $worst.PeakMB - $small.PeakMB
}

Remove-Item -LiteralPath $runner -ErrorAction Ignore
if (-not $KeepCorpus) { Remove-Item -Recurse -Force $WorkFolder }

Write-Host ''
Write-Host ("Corpus: {0} files, {1:0} MB ({2}x{3} 16-bit, explicit VR LE); {4} x {5:0} MB multi-frame; {6} logical CPUs; ThrottleLimit {7}." -f `
        $Count, $corpusMB, $Rows, $Columns, $LargeFileCount, $(if ($LargeFileCount) { $largeMB } else { 0 }), [Environment]::ProcessorCount, $(if ($ThrottleLimit) { $ThrottleLimit } else { 'the default' }))
Write-Host 'Whole processes timed, pwsh start-up included. Set-DicomTags flushes every file to disk before replacing it; dcmodify does not.'
$table | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
if ($LargeFileCount -gt 0) {
    Write-Host ("Peak memory growth, one {0:0} MB file over one small file: {1:+0;-0;0} MB (goal: under 100 MB)." -f $largeMB, $growth)
}
