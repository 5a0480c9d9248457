#Requires -Version 7.2
<#
.SYNOPSIS
    Benchmarks Send-DicomFile -Protocol Dimse against dcmtk's dcmsend and storescu (C-STORE over loopback, storage on
    tmpfs) and prints a markdown table with the ratios the issue sets as goals.
.DESCRIPTION
    One run, loopback, every receiver's storage under /dev/shm. Generates -Count files of about -FileBytes each with
    tools/DicomTools.SampleData (nested sequences, a private block), then sends the same folder to:
      - dcmtk storescp, one association at a time: Send-DicomFile -ThrottleLimit 1, dcmsend, storescu;
      - dcmtk storescp --fork (a process per association): Send-DicomFile -ThrottleLimit 4;
      - Orthanc's DICOM port: Send-DicomFile -ThrottleLimit 1 and 4, dcmsend.
    Measured as an admin works: each Send-DicomFile row is `Get-ChildItem <folder> -Filter *.dcm | Send-DicomFile ...`
    typed into a new pwsh that has just imported the module, so the first call (JIT, first connection) is included.
    "In session" is that pipeline's time as the session sees it; "Fresh process" is the whole pwsh process, start-up
    and Import-Module included, which is what a scheduled task pays. dcmtk's tools run with TCP_NODELAY=1 (their best;
    without it they pay Nagle + delayed ACK) and are timed as processes. CPU s (user+system of the sender's process,
    GNU time) is printed beside each time: on a loaded machine it is the figure to compare.
    Every run is checked: the receiver must hold -Count instances afterwards (it is emptied between runs).
    The last table sends one file of -LargeFileMB (multi-frame) and one small file, each from a fresh pwsh, and shows
    the difference of the process's peak resident memory (goal: < 50 MB for 1 GiB).
.PARAMETER Only
    The groups of rows to run (all by default), for iterating on one of them; dcmsend -> storescp, the reference of
    every ratio, and the one-file run, the fixed cost behind every CPU ms/file, always run.
    StoreScp: storescu and Send-DicomFile -ThrottleLimit 1 to storescp. Fork: Send-DicomFile -ThrottleLimit 4 and
    dcmsend to storescp --fork. Orthanc: the three rows to Orthanc's DICOM port. Memory: the large-file table.
.PARAMETER Quick
    ~300 files and a 128 MB large file: proves the script works in a few minutes, e.g. on a loaded machine.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Dimse.ps1 -Quick       # a check that it works
.EXAMPLE
    dotnet pwsh ./bench/Measure-Dimse.ps1 -Only StoreScp,Fork    # the two goals' rows, without Orthanc and the large file
.EXAMPLE
    dotnet pwsh ./bench/Measure-Dimse.ps1              # the issue's scale: 2000 x 0.5 MB, 1 GiB
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 100000)] [int] $Count = 2000,
    [ValidateRange(1000, 100000000)] [int] $FileBytes = 500000,
    [ValidateRange(1, 4000)] [int] $LargeFileMB = 1024,
    [string[]] $Only = @('StoreScp', 'Fork', 'Orthanc', 'Memory'),
    [switch] $Quick,
    [string] $WorkFolder = $(if (Test-Path /dev/shm) { "/dev/shm/dicomtools-bench-dimse-$PID" } else { Join-Path $PSScriptRoot 'work/dimse' }),
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repoRoot = Split-Path $PSScriptRoot
# From bash (pwsh -File) a list arrives as one string or as 'StoreScp,' 'Fork': accept both.
$groups = 'StoreScp', 'Fork', 'Orthanc', 'Memory'
$Only = @($Only | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
foreach ($group in $Only) { if ($groups -notcontains $group) { throw "-Only: '$group' is none of $($groups -join ', ')." } }
if ($Quick) {
    if (-not $PSBoundParameters.ContainsKey('Count')) { $Count = 300 }
    if (-not $PSBoundParameters.ContainsKey('LargeFileMB')) { $LargeFileMB = 128 }
}

# --- what we need -------------------------------------------------------------------------------------------
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
$build = Get-BenchBuild $repoRoot $Configuration
$modulePath = $build.ModulePath
$sampleData = $build.SampleData
foreach ($tool in 'storescp', 'dcmsend', 'storescu') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) { throw "$tool is missing (apt-get install dcmtk)." }
}
if (-not (Test-Path /usr/bin/time)) { throw 'GNU time is missing (apt-get install time): it measures CPU time and peak memory.' }

. (Join-Path $repoRoot 'tests/Pester/Support/TestServers.ps1')
Import-Module $modulePath -Force
$pwsh = Get-ChildPwshCommand
# dcmtk's best: without it every PDU waits for Nagle + delayed ACK.
$env:TCP_NODELAY = '1'

if (Test-Path $WorkFolder) { Remove-Item -Recurse -Force $WorkFolder }
$null = New-Item -ItemType Directory -Force $WorkFolder
$corpus = Join-Path $WorkFolder 'corpus'
$started = [Collections.Generic.List[object]]::new()
$orthanc = $null

# storescp takes a port number: offer one the system just handed out, and retry on another if it was taken meanwhile.
function Start-StoreScp([string] $Name, [string[]] $Extra = @()) {
    $folder = Join-Path $WorkFolder $Name
    $null = New-Item -ItemType Directory -Force $folder
    foreach ($attempt in 1..5) {
        $port = Get-OrthancPortCandidate
        $process = Start-Process -FilePath (Get-Command storescp -CommandType Application | Select-Object -First 1).Source `
            -ArgumentList (@('-od', $folder) + $Extra + @("$port")) -PassThru `
            -RedirectStandardOutput (Join-Path $WorkFolder "$Name.out.log") -RedirectStandardError (Join-Path $WorkFolder "$Name.err.log")
        $watch = [Diagnostics.Stopwatch]::StartNew()
        while (-not $process.HasExited -and $watch.Elapsed.TotalSeconds -lt 30) {
            $client = [Net.Sockets.TcpClient]::new()
            try { $client.Connect([Net.IPAddress]::Loopback, $port); $client.Dispose(); return [pscustomobject]@{ Port = $port; Process = $process; Folder = $folder; Aet = 'STORESCP' } }
            catch [Net.Sockets.SocketException] { $null = $process.WaitForExit(50) }
            finally { $client.Dispose() }
        }
        if (-not $process.HasExited) { throw "storescp did not listen on $port within 30 s." }
    }
    throw 'storescp could not listen on a free port.'
}

function Stop-StartedProcess($Process) {
    if ($Process -and -not $Process.HasExited) {
        & kill -s TERM $Process.Id
        if (-not $Process.WaitForExit(15000)) { $Process.Kill($true) }
    }
}

try {
    Write-Host "Generating $Count files of ~$([Math]::Round($FileBytes / 1MB, 2)) MB in $corpus..."
    & dotnet $sampleData --out $corpus --count $Count --bytes-per-file $FileBytes --seed 2026 | Out-Host
    if ($LASTEXITCODE) { throw 'corpus generation failed' }
    $files = @(Get-ChildItem -LiteralPath $corpus -File -Filter *.dcm)
    $corpusMB = ($files | Measure-Object Length -Sum).Sum / 1MB

    $single = Start-StoreScp 'scp-single'; $started.Add($single.Process)
    $forking = Start-StoreScp 'scp-fork' @('--fork'); $started.Add($forking.Process)
    if ($Only -contains 'Orthanc') {
        $orthanc = Start-TestOrthanc -StorageRoot $WorkFolder -EnableDicom -DicomAet DTORTHANC
        $orthancPeer = [pscustomobject]@{ Port = $orthanc.DicomPort; Aet = 'DTORTHANC'; Folder = $null; Process = $orthanc.Process }
    }
    function Invoke-Orthanc([string] $Method, [string] $Path) {
        Invoke-RestMethod -Method $Method -Uri "$($orthanc.Url)$Path" -Credential $orthanc.Credential -Authentication Basic -AllowUnencryptedAuthentication
    }

    function Clear-Peer($Peer) {
        if ($Peer.Folder) { Get-ChildItem -LiteralPath $Peer.Folder -File | Remove-Item -Force; return }
        foreach ($patient in @(Invoke-Orthanc GET '/patients')) { if ($patient) { $null = Invoke-Orthanc DELETE "/patients/$patient" } }
    }
    function Get-Held($Peer) {
        if ($Peer.Folder) { return @(Get-ChildItem -LiteralPath $Peer.Folder -File).Count }
        (Invoke-Orthanc GET '/statistics').CountInstances
    }

    # A process under GNU time: wall seconds, CPU seconds (user+system), peak RSS in MB, context switches (involuntary:
    # preempted or yielding; voluntary: blocked), its output, and the receiver's CPU seconds meanwhile.
    function Invoke-Timed([string[]] $Command, $Peer) {
        $report = Join-Path $WorkFolder 'time.txt'
        $peerCpu0 = Get-PeerCpu $Peer
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = & /usr/bin/time -f '%U %S %M %c %w' -o $report @Command 2>&1
        $seconds = $clock.Elapsed.TotalSeconds
        $code = $LASTEXITCODE
        $u, $s, $kb, $involuntary, $voluntary = (Get-Content -LiteralPath $report | Select-Object -Last 1) -split ' '
        [pscustomobject]@{ Seconds = $seconds; Cpu = [double] $u + [double] $s; PeakMB = [double] $kb / 1024; Output = @($output); ExitCode = $code
            Involuntary = [long] $involuntary; Voluntary = [long] $voluntary; PeerCpu = (Get-PeerCpu $Peer) - $peerCpu0 }
    }
    # The receiver's CPU seconds so far (Linux /proc): its own and its reaped children's (storescp --fork's receivers
    # are reaped when their association ends). NaN where it cannot be read.
    $clockTicks = [double] ((& getconf CLK_TCK 2>$null) -as [int]); if (-not $clockTicks) { $clockTicks = 100 }
    function Get-PeerCpu($Peer) {
        if (-not $Peer -or -not $Peer.PSObject.Properties['Process'] -or -not $Peer.Process) { return [double]::NaN }
        $id = $Peer.Process.Id
        # A forked receiver's CPU counts once it is reaped: give the last ones a moment to end.
        foreach ($wait in 1..50) {
            if (-not "$(Get-Content -LiteralPath "/proc/$id/task/$id/children" -ErrorAction Ignore)".Trim()) { break }
            Start-Sleep -Milliseconds 20
        }
        $stat = Get-Content -LiteralPath "/proc/$id/stat" -ErrorAction Ignore
        if (-not $stat) { return [double]::NaN }
        $fields = ($stat -replace '^.*\) ', '') -split ' '   # after "pid (comm) ": field 3 is fields[0]
        ([double] $fields[11] + [double] $fields[12] + [double] $fields[13] + [double] $fields[14]) / $clockTicks
    }

    $runner = Join-Path $WorkFolder 'send.ps1'
    Set-Content -LiteralPath $runner -Value @'
param([string] $Module, [string] $Folder, [int] $Port, [string] $Aet, [int] $Throttle)
Import-Module $Module
$clock = [Diagnostics.Stopwatch]::StartNew()
$contention0 = [Threading.Monitor]::LockContentionCount; $allocated0 = [GC]::GetTotalAllocatedBytes($false); $poolItems0 = [Threading.ThreadPool]::CompletedWorkItemCount
$results = @(Get-ChildItem -LiteralPath $Folder -Filter *.dcm -File | Send-DicomFile -Protocol Dimse -ComputerName 127.0.0.1 -Port $Port -CalledAETitle $Aet -ThrottleLimit $Throttle)
$seconds = $clock.Elapsed.TotalSeconds
"RESULT $($results.Count) $(@($results | Where-Object Status -NE 'Stored').Count) $seconds"
# Load-independent: lock contentions, bytes allocated and thread-pool work items during the pipeline.
"STATS $([Threading.Monitor]::LockContentionCount - $contention0) $([GC]::GetTotalAllocatedBytes($false) - $allocated0) $([Threading.ThreadPool]::CompletedWorkItemCount - $poolItems0)"
'@

    $rows = [Collections.Generic.List[object]]::new()
    function Add-Row([string] $Case, [string] $Peer, $Timed, [double] $InSession, $Stats = $null) {
        $rows.Add([pscustomobject]@{ Case = $Case; Peer = $Peer; InSession = $InSession; Seconds = $Timed.Seconds; Cpu = $Timed.Cpu
            Involuntary = $Timed.Involuntary; Voluntary = $Timed.Voluntary; PeerCpu = $Timed.PeerCpu; Stats = $Stats })
    }
    function Measure-Ours([string] $PeerName, $Peer, [int] $Throttle) {
        Clear-Peer $Peer
        $case = "Send-DicomFile -Protocol Dimse -ThrottleLimit $Throttle"
        Write-Host "$case -> $PeerName..."
        $timed = Invoke-Timed (@($pwsh) + @('-NoProfile', '-NonInteractive', '-File', $runner, '-Module', $modulePath, '-Folder', $corpus, '-Port', $Peer.Port, '-Aet', $Peer.Aet, '-Throttle', $Throttle)) $Peer
        $line = $timed.Output | Where-Object { "$_" -match '^RESULT ' } | Select-Object -Last 1
        $statsLine = $timed.Output | Where-Object { "$_" -match '^STATS ' } | Select-Object -Last 1
        $null, $contention, $allocated, $poolItems = "$statsLine" -split ' '
        $stats = [pscustomobject]@{ Contention = [long] $contention; AllocatedBytes = [double] $allocated; PoolItems = [long] $poolItems }
        if ($timed.ExitCode -or -not $line) { throw "$case failed:`n$($timed.Output -join "`n")" }
        $null, $sent, $bad, $inSession = "$line" -split ' '
        if ([int] $sent -ne $Count -or [int] $bad -ne 0) { throw "$case`: $sent results, $bad not Stored." }
        $held = Get-Held $Peer
        if ($held -ne $Count) { throw "$case left $held instance(s) at $PeerName, not $Count." }
        Add-Row $case $PeerName $timed ([double]::Parse($inSession, [Globalization.CultureInfo]::InvariantCulture)) $stats
    }
    function Measure-Dcmtk([string] $PeerName, $Peer, [string] $Tool) {
        Clear-Peer $Peer
        Write-Host "$Tool (TCP_NODELAY=1) -> $PeerName..."
        # Both take a folder with +sd and send everything over one association.
        $arguments = @('-aec', $Peer.Aet, '+sd', '127.0.0.1', $Peer.Port, $corpus)
        $timed = Invoke-Timed (@((Get-Command $Tool -CommandType Application | Select-Object -First 1).Source) + $arguments) $Peer
        if ($timed.ExitCode) { throw "$Tool failed ($($timed.ExitCode)):`n$($timed.Output -join "`n")" }
        $held = Get-Held $Peer
        if ($held -ne $Count) { throw "$Tool left $held instance(s) at $PeerName, not $Count." }
        Add-Row $Tool $PeerName $timed ([double]::NaN)
    }

    # One small file from a fresh pwsh first: its CPU is the fixed cost (pwsh, Import-Module, JIT of the first call),
    # so that each row of ours can show its CPU per file beyond it (the lever on a CPU-bound machine).
    $smallFolder = Join-Path $WorkFolder 'small'
    $null = New-Item -ItemType Directory -Force $smallFolder
    Copy-Item -LiteralPath $files[0].FullName -Destination $smallFolder
    function Measure-OneFile([string] $Folder) {
        Clear-Peer $single
        $file = Get-ChildItem -LiteralPath $Folder -File -Filter *.dcm | Select-Object -First 1
        Write-Host "One file of $([Math]::Round($file.Length / 1MB, 1)) MB from a fresh pwsh..."
        $timed = Invoke-Timed (@($pwsh) + @('-NoProfile', '-NonInteractive', '-File', $runner, '-Module', $modulePath, '-Folder', $Folder, '-Port', $single.Port, '-Aet', $single.Aet, '-Throttle', 1))
        if ($timed.ExitCode -or -not ($timed.Output -match '^RESULT 1 0 ')) { throw "Sending $($file.Name) failed:`n$($timed.Output -join "`n")" }
        [pscustomobject]@{ File = $file.Name; FileMB = $file.Length / 1MB; Seconds = $timed.Seconds; Cpu = $timed.Cpu; PeakMB = $timed.PeakMB }
    }
    $oneFile = Measure-OneFile $smallFolder

    Measure-Dcmtk 'storescp' $single 'dcmsend'
    if ($Only -contains 'StoreScp') {
        Measure-Dcmtk 'storescp' $single 'storescu'
        Measure-Ours 'storescp' $single 1
    }
    if ($Only -contains 'Fork') {
        Measure-Ours 'storescp --fork' $forking 4
        Measure-Dcmtk 'storescp --fork' $forking 'dcmsend'
    }
    if ($Only -contains 'Orthanc') {
        Measure-Dcmtk 'Orthanc DIMSE' $orthancPeer 'dcmsend'
        Measure-Ours 'Orthanc DIMSE' $orthancPeer 1
        Measure-Ours 'Orthanc DIMSE' $orthancPeer 4
        Clear-Peer $orthancPeer
    }

    # --- peak memory: one large file against the one small file measured first, each from a fresh pwsh, to storescp ----
    $memory = @($oneFile)
    if ($Only -contains 'Memory') {
        Write-Host "Generating one file of ~$LargeFileMB MB..."
        $largeFolder = Join-Path $WorkFolder 'large'
        $frames = [Math]::Max(1, [int] [Math]::Round($LargeFileMB * 1MB / (512 * 512 * 2)))
        & dotnet $sampleData --out $largeFolder --count 1 --rows 512 --cols 512 --frames $frames --prefix BIG --seed 2027 | Out-Host
        if ($LASTEXITCODE) { throw 'large file generation failed' }
        $memory += Measure-OneFile $largeFolder
        Clear-Peer $single
    }

    # --- the tables ---------------------------------------------------------------------------------------------
    $dcmsend = $rows | Where-Object { $_.Case -eq 'dcmsend' -and $_.Peer -eq 'storescp' }
    $goals = @{
        'Send-DicomFile -Protocol Dimse -ThrottleLimit 1|storescp'        = 0.9
        'Send-DicomFile -Protocol Dimse -ThrottleLimit 4|storescp --fork' = 1.3
    }
    $f2 = { param($v) if ([double]::IsNaN($v)) { '-' } else { $v.ToString('0.00', [Globalization.CultureInfo]::InvariantCulture) } }
    $load = (Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ' | Select-Object -First 3
    Write-Host ''
    Write-Host "C-STORE over loopback, storage on tmpfs: $Count files, $([Math]::Round($corpusMB, 1)) MB; $([Environment]::ProcessorCount) cores, load average $($load -join ' ') at the end."
    Write-Host 'Speed-up = dcmsend -> storescp time / this row''s time, both in session (the pipeline''s own clock; dcmtk''s tools are'
    Write-Host 'processes, so their process time) and fresh process (ours including pwsh start-up and Import-Module). The Goal column'
    Write-Host 'judges the in-session speed-up, as the issue sets its goals. CPU ms/file: ours beyond the one-file run (start-up,'
    Write-Host 'import and first call taken out), dcmtk''s whole process divided by the files; CPU ratio = dcmsend CPU / this row''s.'
    Write-Host ''
    Write-Host '| Case | Receiver | In session (s) | Fresh process (s) | Files/s | Speed-up in session | Speed-up fresh process | CPU (s) | CPU ms/file | CPU ratio vs dcmsend | Goal (in session) |'
    Write-Host '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|'
    foreach ($row in $rows) {
        $goal = $goals["$($row.Case)|$($row.Peer)"]
        $ourRow = -not [double]::IsNaN($row.InSession)
        $sessionSeconds = if ($ourRow) { $row.InSession } else { $row.Seconds }
        $speedupSession = $dcmsend.Seconds / $sessionSeconds
        $speedupFresh = $dcmsend.Seconds / $row.Seconds
        $cpuPerFile = if ($ourRow) { 1000 * ($row.Cpu - $oneFile.Cpu) / [Math]::Max(1, $Count - 1) } else { 1000 * $row.Cpu / $Count }
        $goalText = if ($goal) { ('>= {0}x: {1}' -f $goal, $(if ($speedupSession -ge $goal) { 'met' } else { 'missed' })) } else { '' }
        Write-Host ('| {0} | {1} | {2} | {3} | {4} | {5}x | {6}x | {7} | {8} | {9}x | {10} |' -f $row.Case, $row.Peer, (& $f2 $row.InSession), (& $f2 $row.Seconds),
            (& $f2 ($Count / $sessionSeconds)), (& $f2 $speedupSession), (& $f2 $speedupFresh), (& $f2 $row.Cpu), (& $f2 $cpuPerFile), (& $f2 ($dcmsend.Cpu / $row.Cpu)), $goalText)
    }
    Write-Host ''
    Write-Host 'Load-independent proxies per row (what to compare on a loaded machine). Receiver CPU: the receiving process and its'
    Write-Host 'reaped children (/proc) during the row. Context switches of the sender''s process (GNU time): involuntary = preempted'
    Write-Host 'or yielding (spinning shows here), voluntary = blocked. Ours only: Monitor lock contentions, thread-pool work items'
    Write-Host '(a hop between threads each) and bytes allocated, during the pipeline.'
    Write-Host ''
    Write-Host '| Case | Receiver | CPU ms/file | Receiver CPU ms/file | Involuntary cs/file | Voluntary cs/file | Lock contentions | Thread-pool items | Allocated KB/file |'
    Write-Host '|---|---|---:|---:|---:|---:|---:|---:|---:|'
    foreach ($row in $rows) {
        $ourRow = -not [double]::IsNaN($row.InSession)
        $cpuPerFile = if ($ourRow) { 1000 * ($row.Cpu - $oneFile.Cpu) / [Math]::Max(1, $Count - 1) } else { 1000 * $row.Cpu / $Count }
        $s = $row.Stats
        Write-Host ('| {0} | {1} | {2} | {3} | {4} | {5} | {6} | {7} | {8} |' -f $row.Case, $row.Peer, (& $f2 $cpuPerFile), (& $f2 (1000 * $row.PeerCpu / $Count)),
            (& $f2 ($row.Involuntary / $Count)), (& $f2 ($row.Voluntary / $Count)),
            $(if ($s) { $s.Contention } else { '-' }), $(if ($s) { $s.PoolItems } else { '-' }), $(if ($s) { & $f2 ($s.AllocatedBytes / 1KB / $Count) } else { '-' }))
    }
    Write-Host ''
    Write-Host '| One file, fresh pwsh, to storescp | File (MB) | Seconds | CPU (s) | Peak RSS (MB) |'
    Write-Host '|---|---:|---:|---:|---:|'
    foreach ($m in $memory) { Write-Host ('| {0} | {1} | {2} | {3} | {4} |' -f $m.File, (& $f2 $m.FileMB), (& $f2 $m.Seconds), (& $f2 $m.Cpu), (& $f2 $m.PeakMB)) }
    # The fixed cost (pwsh, Import-Module, JIT of the first call) against the cost per file, both in CPU time.
    $ours = $rows | Where-Object { $_.Case -like 'Send-DicomFile*ThrottleLimit 1' -and $_.Peer -eq 'storescp' }
    if ($ours) {
        $oursPerFile = 1000 * ($ours.Cpu - $oneFile.Cpu) / [Math]::Max(1, $Count - 1)
        $dcmsendPerFile = 1000 * $dcmsend.Cpu / $Count
        Write-Host ''
        Write-Host ("CPU per file (TL1 to storescp): Send-DicomFile {0} ms beyond the one-file run ({1} s of CPU: start-up, import and first call), dcmsend {2} ms; ratio {3}x." -f `
            (& $f2 $oursPerFile), (& $f2 $oneFile.Cpu), (& $f2 $dcmsendPerFile), (& $f2 ($oursPerFile / $dcmsendPerFile)))
    }
    if ($memory.Count -gt 1) {
        $growth = $memory[1].PeakMB - $memory[0].PeakMB
        Write-Host ''
        Write-Host ("Peak RSS delta for the {0} MB file: {1} MB (goal < 50 MB: {2})." -f [Math]::Round($memory[1].FileMB), (& $f2 $growth), $(if ($growth -lt 50) { 'met' } else { 'missed' }))
    }
}
finally {
    if ($orthanc) { Stop-TestOrthanc $orthanc }
    foreach ($process in $started) { Stop-StartedProcess $process }
    if (Test-Path $WorkFolder) { Remove-Item -Recurse -Force $WorkFolder }
}
