#Requires -Version 7.2
<#
.SYNOPSIS
    Benchmarks Send-DicomFile against the original script's way (Python requests, one file after another) and curl x4,
    uploading to a real Orthanc on loopback, and prints two tables.
.DESCRIPTION
    Starts a private Orthanc (tests/Pester/Support/TestServers.ps1) whose storage and index live under /dev/shm (tmpfs),
    so that the server's disk does not hide the client. Generates -Count files of about -FileBytes each with
    tools/DicomTools.SampleData, then uploads the same folder, Orthanc emptied before each run:
      - Send-DicomFile -Protocol Raw at -ThrottleLimit 1, 4 and 8 (to /instances);
      - Send-DicomFile -Protocol StowRs, batches of -BatchSize (to /dicom-web/studies);
      - the original script's way: python3, requests.post(url, data=<file bytes>, auth=...) per file, sequential;
      - curl 4 at a time: find | xargs -P4 curl --data-binary @file -H 'Expect:' (one process per file).
    Send-DicomFile runs in this process, after a warm-up upload (what an admin's session waits for: the pipeline
    itself); python and curl are timed as whole processes (their start-up is part of their way), and so is one more
    Send-DicomFile run at -ThrottleLimit 4 in a fresh pwsh (import included: what a scheduled task pays).
    Each row also shows the CPU time per file of the client (this process for the in-session rows; GNU time for the
    child processes) and of Orthanc (from /proc/<pid>/stat): figures that, unlike wall times, hold on a loaded machine.
    The last lines compare with the issue's goals: ThrottleLimit 4 in session >= 1.8x the original script, whole
    process >= 1.3x, STOW-RS batches in session >= 2.0x. Every run is checked:
    Orthanc must hold -Count instances afterwards.
    The second table uploads one file of -LargeFileMB (multi-frame) and one small file, each from a fresh pwsh, and
    shows the process's peak resident memory (GNU time -v): streaming means the difference stays small.
    Secrets: the Orthanc password reaches python through an environment variable and curl through a netrc file
    (mode 600), never a command line.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Upload.ps1 -Count 20 -LargeFileMB 50      # a quick check that it works
.EXAMPLE
    dotnet pwsh ./bench/Measure-Upload.ps1 -Quick                         # 300 x 0.5 MB (the issue's table), 50 MB
.EXAMPLE
    dotnet pwsh ./bench/Measure-Upload.ps1                                # the issue's scale: 500 x 0.5 MB, 1 GiB
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 100000)] [int] $Count = 500,
    [ValidateRange(1000, 100000000)] [int] $FileBytes = 500000,
    [ValidateRange(1, 4000)] [int] $LargeFileMB = 1024,
    # Send-DicomFile's own default (UploadOptions.DefaultBatchSize).
    [ValidateRange(1, 10000)] [int] $BatchSize = 10,
    [string] $WorkFolder = $(if (Test-Path /dev/shm) { "/dev/shm/dicomtools-bench-upload-$PID" } else { Join-Path $PSScriptRoot 'work/upload' }),
    [string] $Configuration = 'Release',
    # The issue's upload row at a smaller large file: -Count 300 and -LargeFileMB 50 unless given.
    [switch] $Quick
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repoRoot = Split-Path $PSScriptRoot
if ($Quick) {
    if (-not $PSBoundParameters.ContainsKey('Count')) { $Count = 300 }
    if (-not $PSBoundParameters.ContainsKey('LargeFileMB')) { $LargeFileMB = 50 }
}

# --- what we need -------------------------------------------------------------------------------------------
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
$build = Get-BenchBuild $repoRoot $Configuration
$modulePath = $build.ModulePath
$sampleData = $build.SampleData
foreach ($tool in 'python3', 'curl', 'xargs', 'find') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) { throw "$tool is missing." }
}
& python3 -c 'import requests' 2>$null
if ($LASTEXITCODE) { throw 'python3-requests is missing: apt-get install python3-requests' }
if (-not (Test-Path /usr/bin/time)) { throw 'GNU time is missing (apt-get install time): it measures the peak memory.' }

. (Join-Path $repoRoot 'tests/Pester/Support/TestServers.ps1')
Import-Module $modulePath -Force

$pwsh = Get-ChildPwshCommand

if (Test-Path $WorkFolder) { Remove-Item -Recurse -Force $WorkFolder }
$null = New-Item -ItemType Directory -Force $WorkFolder
$corpus = Join-Path $WorkFolder 'corpus'
$orthanc = $null
$netrc = Join-Path $WorkFolder 'netrc'

try {
    # --- the server and the files -------------------------------------------------------------------------------
    $orthanc = Start-TestOrthanc -StorageRoot (Split-Path $WorkFolder)
    $credential = $orthanc.Credential
    $instancesUri = "$($orthanc.Url)/instances"
    $stowUri = "$($orthanc.Url)/dicom-web/studies"
    $env:BENCH_ORTHANC_USER = $credential.UserName
    $env:BENCH_ORTHANC_PASSWORD = $credential.GetNetworkCredential().Password
    Set-Content -LiteralPath $netrc -Value "machine 127.0.0.1 login $($credential.UserName) password $($env:BENCH_ORTHANC_PASSWORD)"
    & chmod 600 $netrc

    Write-Host "Generating $Count files of ~$([Math]::Round($FileBytes / 1MB, 2)) MB in $corpus..."
    & dotnet $sampleData --out $corpus --count $Count --bytes-per-file $FileBytes --seed 2026 | Out-Host
    if ($LASTEXITCODE) { throw 'corpus generation failed' }
    $files = @(Get-ChildItem -LiteralPath $corpus -File -Filter *.dcm)
    $corpusMB = ($files | Measure-Object Length -Sum).Sum / 1MB

    function Invoke-Orthanc([string] $Method, [string] $Path) {
        Invoke-RestMethod -Method $Method -Uri "$($orthanc.Url)$Path" -Credential $credential -Authentication Basic -AllowUnencryptedAuthentication
    }
    function Clear-Orthanc {
        foreach ($patient in @(Invoke-Orthanc GET '/patients')) { if ($patient) { $null = Invoke-Orthanc DELETE "/patients/$patient" } }
        if ((Invoke-Orthanc GET '/statistics').CountInstances -ne 0) { throw 'Orthanc could not be emptied.' }
    }
    function Assert-Stored([string] $Case, [int] $Expected) {
        $held = (Invoke-Orthanc GET '/statistics').CountInstances
        if ($held -ne $Expected) { throw "$Case left $held instance(s) in Orthanc, not $Expected." }
    }

    # --- the runs ---------------------------------------------------------------------------------------------
    $runs = [Collections.Generic.List[object]]::new()
    # CPU seconds (user + system) of a process so far, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s).
    function Get-ProcessCpuSeconds([int] $ProcessId) {
        $fields = (Get-Content -Raw -LiteralPath "/proc/$ProcessId/stat").Split(')')[-1].Trim().Split(' ')
        ([double] $fields[11] + [double] $fields[12]) / 100
    }
    $self = [Diagnostics.Process]::GetCurrentProcess()
    # $Run runs in this process, or returns the CPU seconds of the child process it timed (-ChildCpu).
    function Measure-Run([string] $Case, [scriptblock] $Run, [switch] $ChildCpu) {
        Clear-Orthanc
        Write-Host "$Case..."
        [GC]::Collect()
        $self.Refresh()
        $ownBefore = $self.TotalProcessorTime.TotalSeconds
        $orthancBefore = Get-ProcessCpuSeconds $orthanc.Process.Id
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $childSeconds = & $Run
        $seconds = $clock.Elapsed.TotalSeconds
        $orthancCpu = (Get-ProcessCpuSeconds $orthanc.Process.Id) - $orthancBefore
        $self.Refresh()
        $clientCpu = if ($ChildCpu) { [double] @($childSeconds)[-1] } else { $self.TotalProcessorTime.TotalSeconds - $ownBefore }
        Assert-Stored $Case $Count
        $runs.Add([pscustomobject]@{ Case = $Case; Seconds = $seconds; ClientCpu = $clientCpu; OrthancCpu = $orthancCpu })
    }
    function Invoke-Send([hashtable] $Arguments) {
        $results = @(Get-ChildItem -LiteralPath $corpus -File -Filter *.dcm | Send-DicomFile @Arguments -Credential $credential -ErrorAction Stop)
        $bad = @($results | Where-Object Status -NE 'Stored')
        if ($results.Count -ne $Count -or $bad) { throw "Send-DicomFile: $($results.Count) results, $($bad.Count) not Stored." }
    }

    # Warm-up: JIT and the first connection are paid once per session, not per run.
    Clear-Orthanc
    $null = $files | Select-Object -First ([Math]::Min(5, $Count)) | Send-DicomFile -Uri $instancesUri -Credential $credential

    foreach ($throttle in 1, 4, 8) {
        Measure-Run "Send-DicomFile Raw, ThrottleLimit $throttle" { Invoke-Send @{ Uri = $instancesUri; Protocol = 'Raw'; ThrottleLimit = $throttle } }
    }
    Measure-Run "Send-DicomFile StowRs, batches of $BatchSize" { Invoke-Send @{ Uri = $stowUri; Protocol = 'StowRs'; BatchSize = $BatchSize } }

    # A scheduled task's way: a fresh pwsh imports the module and sends the folder (start-up and first-request
    # warm-up included). The credential comes from the environment, never the command line.
    $folderRunner = Join-Path $WorkFolder 'send-folder.ps1'
    Set-Content -LiteralPath $folderRunner -Value @'
param([string] $Module, [string] $Folder, [string] $Uri)
Import-Module $Module
$credential = [pscredential]::new($env:BENCH_ORTHANC_USER, (ConvertTo-SecureString $env:BENCH_ORTHANC_PASSWORD -AsPlainText -Force))
$results = @(Get-ChildItem -LiteralPath $Folder -File -Filter *.dcm | Send-DicomFile -Uri $Uri -Credential $credential -ThrottleLimit 4)
"STORED $(@($results | Where-Object Status -EQ 'Stored').Count)"
'@
    Measure-Run 'Send-DicomFile Raw, ThrottleLimit 4, whole pwsh process' -ChildCpu {
        $run = Measure-BenchProcess $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $folderRunner, '-Module', $modulePath, '-Folder', $corpus, '-Uri', $instancesUri))
        if ($run.ExitCode -or -not ($run.Output -match "STORED $Count")) { throw "The whole-process run failed:`n$($run.Output -join "`n")" }
        $run.CpuSeconds
    }

    $python = Join-Path $WorkFolder 'original.py'
    Set-Content -LiteralPath $python -Value @'
# The original script's way: one requests.post per file, one after another, the file read whole.
import os, sys, requests
url = sys.argv[1]
auth = (os.environ["BENCH_ORTHANC_USER"], os.environ["BENCH_ORTHANC_PASSWORD"])
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        r = requests.post(url, data=f.read(), auth=auth)
    r.raise_for_status()
'@
    Measure-Run 'python3 requests.post per file (original)' -ChildCpu {
        $run = Measure-BenchProcess python3 (@($python, $instancesUri) + @($files.FullName))
        if ($run.ExitCode) { throw "python3 exited with $($run.ExitCode):`n$($run.Output -join "`n")" }
        $run.CpuSeconds
    }
    Measure-Run "curl x4 (xargs -P4, -H 'Expect:')" -ChildCpu {
        $run = Measure-BenchProcess bash @('-c', 'find "$1" -maxdepth 1 -name "*.dcm" -print0 | xargs -0 -P4 -I{} curl -sS -f -o /dev/null --netrc-file "$2" -H "Expect:" -H "Content-Type: application/dicom" --data-binary @{} "$3"',
            'bash', $corpus, $netrc, $instancesUri)
        if ($run.ExitCode) { throw "curl/xargs exited with $($run.ExitCode):`n$($run.Output -join "`n")" }
        $run.CpuSeconds
    }

    $original = ($runs | Where-Object Case -Like 'python3*').Seconds
    $curl = ($runs | Where-Object Case -Like 'curl*').Seconds
    $table = foreach ($run in $runs) {
        [pscustomobject]@{
            Case             = $run.Case
            Files            = $Count
            Seconds          = [Math]::Round($run.Seconds, 2)
            'Files/s'        = [Math]::Round($Count / $run.Seconds, 1)
            'MB/s'           = [Math]::Round($corpusMB / $run.Seconds, 1)
            'vs original'    = '{0:0.00}x' -f ($original / $run.Seconds)
            'vs curl x4'     = '{0:0.00}x' -f ($curl / $run.Seconds)
            'Client CPU ms/file'  = [Math]::Round($run.ClientCpu * 1000 / $Count, 2)
            'Orthanc CPU ms/file' = [Math]::Round($run.OrthancCpu * 1000 / $Count, 2)
        }
    }
    Clear-Orthanc

    # --- peak memory: one large file against one small file, each from a fresh pwsh ------------------------------
    Write-Host "Generating one file of ~$LargeFileMB MB..."
    $largeFolder = Join-Path $WorkFolder 'large'
    $frames = [Math]::Max(1, [int] [Math]::Round($LargeFileMB * 1MB / (512 * 512 * 2)))
    & dotnet $sampleData --out $largeFolder --count 1 --rows 512 --cols 512 --frames $frames --prefix BIG --seed 2027 | Out-Host
    if ($LASTEXITCODE) { throw 'large file generation failed' }
    $large = Get-ChildItem -LiteralPath $largeFolder -File -Filter *.dcm | Select-Object -First 1

    $runner = Join-Path $WorkFolder 'send-one.ps1'
    Set-Content -LiteralPath $runner -Value @'
param([string] $Module, [string] $File, [string] $Uri)
Import-Module $Module
$credential = [pscredential]::new($env:BENCH_ORTHANC_USER, (ConvertTo-SecureString $env:BENCH_ORTHANC_PASSWORD -AsPlainText -Force))
$result = Send-DicomFile -LiteralPath $File -Uri $Uri -Credential $credential -TimeoutSec 0
"STATUS $($result.Status)"
'@
    $memory = foreach ($file in @($files[0], $large)) {
        Clear-Orthanc
        Write-Host "Peak memory, one file of $([Math]::Round($file.Length / 1MB, 1)) MB..."
        $report = Join-Path $WorkFolder 'time.txt'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = & /usr/bin/time -v -o $report @pwsh -NoProfile -NonInteractive -File $runner -Module $modulePath -File $file.FullName -Uri $instancesUri 2>&1
        $seconds = $clock.Elapsed.TotalSeconds
        if ($LASTEXITCODE -or -not ($output -match 'STATUS Stored')) { throw "Sending $($file.Name) failed:`n$($output -join "`n")" }
        $kb = [double] (Select-String -LiteralPath $report -Pattern 'Maximum resident set size \(kbytes\): (\d+)').Matches[0].Groups[1].Value
        [pscustomobject]@{ File = $file.Name; 'File MB' = [Math]::Round($file.Length / 1MB, 1); Seconds = [Math]::Round($seconds, 2); 'Peak MB' = [Math]::Round($kb / 1024, 0) }
    }
    $growth = $memory[1].'Peak MB' - $memory[0].'Peak MB'

    Write-Host ''
    Write-Host "Uploads to Orthanc on loopback (storage on tmpfs): $Count files, $([Math]::Round($corpusMB, 1)) MB"
    $table | Format-Table -AutoSize | Out-String -Width 250 | Out-Host
    Write-Host 'Peak memory of the pwsh process uploading one file (Send-DicomFile, Raw, from a fresh pwsh)'
    $memory | Format-Table -AutoSize | Out-String -Width 250 | Out-Host
    Write-Host "The large file's upload grows the peak by $growth MB over the small file's."
    $ratio = { param([string] $Like) $original / ($runs | Where-Object Case -Like $Like | Select-Object -First 1).Seconds }
    Write-Host ''
    Write-Host 'Against the original script (python requests.post, sequential), same run:'
    Write-Host ('  Send-DicomFile -ThrottleLimit 4, in session:      {0:0.00}x (goal >= 1.8x)' -f (& $ratio 'Send-DicomFile Raw, ThrottleLimit 4'))
    Write-Host ('  Send-DicomFile -ThrottleLimit 4, whole process:   {0:0.00}x (goal >= 1.3x)' -f (& $ratio '*whole pwsh process'))
    Write-Host ('  Send-DicomFile -Protocol StowRs, in session:      {0:0.00}x (goal >= 2.0x)' -f (& $ratio 'Send-DicomFile StowRs*'))
}
finally {
    $env:BENCH_ORTHANC_PASSWORD = $null
    $env:BENCH_ORTHANC_USER = $null
    if ($orthanc) { Stop-TestOrthanc $orthanc }
    if (Test-Path $WorkFolder) { Remove-Item -Recurse -Force $WorkFolder }
}
