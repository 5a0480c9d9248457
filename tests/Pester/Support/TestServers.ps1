# Test servers for Pester, benchmarks and the demo: the reference lab server (tests/LabServer) and a
# real Orthanc with the DICOMweb plugin. Dot-source this file. Both bind 127.0.0.1 on a free port and
# must be stopped by whoever starts them (Stop-LabServer / Stop-TestOrthanc, in AfterAll or finally).
#
# Secrets: keys and the Orthanc password are never written to the host, verbose stream or errors, and
# the objects returned hide them from their default display (.Keys / .Credential are still there).

Set-StrictMode -Version Latest

$script:TestServersRepoRoot = if ($env:DICOMTOOLS_REPO_ROOT) { $env:DICOMTOOLS_REPO_ROOT } else { (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path }

function Get-LabServerDefaultKeys {
    @{ MdKey = 'md-test-key'; UploadKey = 'upload-test-key'; AnalyticsKey = 'analytics-test-key'; LogKey = 'log-test-key' }
}

# Shows only what is safe to print when the object lands on the host.
function Set-SafeDefaultDisplay([psobject] $Object, [string[]] $Properties) {
    $set = [System.Management.Automation.PSPropertySet]::new('DefaultDisplayPropertySet', [string[]] $Properties)
    $Object | Add-Member -MemberType MemberSet -Name PSStandardMembers -Value ([System.Management.Automation.PSMemberInfo[]] @($set)) -Force
}

function Get-DotnetPath {
    $processPath = [Environment]::ProcessPath
    if ((Split-Path -Leaf $processPath) -match '^dotnet(\.exe)?$') { return $processPath }
    $dotnet = Get-Command dotnet -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $dotnet) { throw 'dotnet is not on PATH; the lab server runs as "dotnet DicomTools.LabServer.dll".' }
    return $dotnet.Source
}

# The TCP ports a process listens on, from Linux's /proc: its socket inodes (/proc/<pid>/fd) matched against the
# LISTEN rows of /proc/<pid>/net/tcp and tcp6. Empty where there is no /proc.
function Get-ListeningPort([int] $ProcessId) {
    $inodes = @{}
    foreach ($fd in Get-ChildItem -LiteralPath "/proc/$ProcessId/fd" -ErrorAction Ignore) {
        if ("$($fd.LinkTarget)" -match '^socket:\[(\d+)\]$') { $inodes[$Matches[1]] = $true }
    }
    $ports = foreach ($table in 'tcp', 'tcp6') {
        foreach ($row in @(Get-Content -LiteralPath "/proc/$ProcessId/net/$table" -ErrorAction Ignore | Select-Object -Skip 1)) {
            $fields = -split $row
            if ($fields.Count -ge 10 -and $fields[3] -eq '0A' -and $inodes.ContainsKey($fields[9])) {
                [Convert]::ToInt32($fields[1].Substring($fields[1].LastIndexOf(':') + 1), 16)
            }
        }
    }
    @($ports | Sort-Object -Unique)
}

# Orthanc takes "HttpPort": 0 but only logs "port: 0"; where /proc exists, Start-TestOrthanc reads the port it got
# (Get-ListeningPort): no window for another process. Elsewhere this offers one the system just handed out; another
# process may take it before Orthanc binds it, so Start-TestOrthanc retries on a new port when Orthanc says the port
# is in use. (The lab server binds port 0 itself and prints the port it got.)
function Get-OrthancPortCandidate {
    $socket = [System.Net.Sockets.Socket]::new([System.Net.Sockets.AddressFamily]::InterNetwork,
        [System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Tcp)
    try {
        $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
        return ([System.Net.IPEndPoint] $socket.LocalEndPoint).Port
    }
    finally { $socket.Dispose() }
}

function New-TestServerDirectory([string] $Parent, [string] $Prefix) {
    if (-not $Parent) { $Parent = [System.IO.Path]::GetTempPath() }
    $path = Join-Path $Parent ($Prefix + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $null = New-Item -ItemType Directory -Force -Path $path
    return $path
}

<#
.SYNOPSIS
    Starts the reference lab server (dotnet tests/LabServer/bin/<cfg>/net10.0/DicomTools.LabServer.dll).
.OUTPUTS
    An object with .Url (no trailing slash), .Process, .Storage, .Keys (MdKey/UploadKey/AnalyticsKey/LogKey).
#>
function Start-LabServer {
    [CmdletBinding()]
    param(
        # Keys to use instead of the defaults (any of MdKey, UploadKey, AnalyticsKey, LogKey).
        [hashtable] $Keys = @{},
        # Where received files go; default a new temp folder, removed by Stop-LabServer.
        [string] $StoragePath,
        [string] $Configuration = $(if ($env:DICOMTOOLS_CONFIGURATION) { $env:DICOMTOOLS_CONFIGURATION } else { 'Release' }),
        [int] $TimeoutSec = 30
    )
    $dll = Join-Path $script:TestServersRepoRoot "tests/LabServer/bin/$Configuration/net10.0/DicomTools.LabServer.dll"
    if (-not (Test-Path -LiteralPath $dll)) {
        throw "The lab server is not built: '$dll' is missing. Run: dotnet build tests/LabServer -c $Configuration"
    }
    $allKeys = Get-LabServerDefaultKeys
    foreach ($name in $Keys.Keys) {
        if (-not $allKeys.ContainsKey($name)) { throw "Unknown key '$name'; use MdKey, UploadKey, AnalyticsKey or LogKey." }
        $allKeys[$name] = [string] $Keys[$name]
    }
    $ownsStorage = -not $StoragePath
    if ($ownsStorage) { $StoragePath = New-TestServerDirectory -Prefix 'dicomtools-lab-' }

    $startInfo = [System.Diagnostics.ProcessStartInfo]::new((Get-DotnetPath))
    foreach ($arg in @($dll, '--urls', 'http://127.0.0.1:0', '--storage', $StoragePath)) { $startInfo.ArgumentList.Add($arg) }
    # Keys go through the environment, not arguments: arguments show in every process list.
    $startInfo.Environment['LABSERVER_MD_KEY'] = $allKeys.MdKey
    $startInfo.Environment['LABSERVER_UPLOAD_KEY'] = $allKeys.UploadKey
    $startInfo.Environment['LABSERVER_ANALYTICS_KEY'] = $allKeys.AnalyticsKey
    $startInfo.Environment['LABSERVER_LOG_KEY'] = $allKeys.LogKey
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($startInfo)
    # stderr is collected in the background so a chatty failure can never block the server on a full pipe.
    $stderr = $process.StandardError.ReadToEndAsync()

    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $url = $null
    try {
        while (-not $url) {
            $lineTask = $process.StandardOutput.ReadLineAsync()
            $left = [Math]::Max(0, $TimeoutSec * 1000 - $watch.ElapsedMilliseconds)
            if (-not $lineTask.Wait([int] $left)) {
                throw "The lab server did not print 'LabServer listening on ...' within $TimeoutSec s ($dll)."
            }
            $line = $lineTask.Result
            if ($null -eq $line) {
                $process.WaitForExit(2000) | Out-Null
                $why = if ($stderr.Wait(2000)) { $stderr.Result.Trim() } else { '' }
                throw "The lab server exited with code $($process.ExitCode) before it was ready. $why"
            }
            if ($line -match '^LabServer listening on (http://127\.0\.0\.1:\d+)$') { $url = $Matches[1] }
        }
    }
    catch {
        if (-not $process.HasExited) { $process.Kill($true); $process.WaitForExit(5000) | Out-Null }
        $process.Dispose()
        if ($ownsStorage) { Remove-Item -LiteralPath $StoragePath -Recurse -Force -ErrorAction Ignore }
        throw
    }
    # Nothing else is expected on stdout; drain it anyway so the server never blocks writing.
    $null = $process.StandardOutput.BaseStream.CopyToAsync([System.IO.Stream]::Null)
    Write-Verbose "Lab server ready at $url in $($watch.ElapsedMilliseconds) ms (pid $($process.Id))."

    $server = [pscustomobject]@{
        PSTypeName  = 'DicomTools.Test.LabServer'
        Url         = $url
        Process     = $process
        Storage     = $StoragePath
        Keys        = $allKeys
        StartupMs   = $watch.ElapsedMilliseconds
        OwnsStorage = $ownsStorage
    }
    Set-SafeDefaultDisplay $server @('Url', 'Storage', 'StartupMs')
    return $server
}

<#
.SYNOPSIS
    Stops a lab server started by Start-LabServer (kills its process tree, waits) and removes its temp storage.
#>
function Stop-LabServer {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0, ValueFromPipeline)] [psobject] $Server)
    process {
        $process = $Server.Process
        if ($process) {
            if (-not $process.HasExited) { $process.Kill($true) }
            if (-not $process.WaitForExit(10000)) { throw "The lab server (pid $($process.Id)) did not exit within 10 s of being killed." }
            $process.Dispose()
        }
        if ($Server.OwnsStorage -and (Test-Path -LiteralPath $Server.Storage)) {
            Remove-Item -LiteralPath $Server.Storage -Recurse -Force
        }
    }
}

function Invoke-LabAdmin {
    param([psobject] $Server, [string] $Method, [string] $Path, [object] $Body)
    $params = @{ Method = $Method; Uri = "$($Server.Url)/_admin/$Path"; ErrorAction = 'Stop' }
    if ($null -ne $Body) {
        $params.Body = [System.Text.Encoding]::UTF8.GetBytes(($Body | ConvertTo-Json -Depth 10 -Compress))
        $params.ContentType = 'application/json; charset=utf-8'
    }
    Invoke-RestMethod @params
}

<#
.SYNOPSIS
    The requests the lab server has seen (oldest first): Seq, Time, Method, Path, Query, Endpoint,
    StatusCode, Headers (names only), BodyBytes, BodyJson, Fault, Completed.
#>
function Get-LabJournal {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [psobject] $Server,
        [ValidateSet('metadata', 'upload', 'stow', 'archive', 'analytics', 'logs', 'other')] [string] $Endpoint
    )
    $entries = @(Invoke-LabAdmin $Server GET 'journal' | ForEach-Object { $_ })
    if ($Endpoint) { $entries = @($entries | Where-Object Endpoint -EQ $Endpoint) }
    $entries
}

<#
.SYNOPSIS
    Waits until the lab server holds no client connection open (but this one), so that the journal read next holds
    every request any client sent. Throws when that does not happen within -TimeoutSec (a failure guard only).
#>
function Wait-LabIdle {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Server, [int] $TimeoutSec = 30)
    $answer = Invoke-LabAdmin $Server GET "idle?timeoutMs=$($TimeoutSec * 1000)"
    if (-not $answer.Idle) { throw "The lab server still had $($answer.Open) client connection(s) open after $TimeoutSec s." }
}

function Clear-LabJournal {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Server)
    $null = Invoke-LabAdmin $Server DELETE 'journal'
}

<#
.SYNOPSIS
    Makes the next -Count requests to -Endpoint fail (-Count 0: every request until Clear-LabFault).
.EXAMPLE
    Set-LabFault $server -Endpoint upload -Mode Status -StatusCode 503 -Count 2 -RetryAfterSec 1
#>
function Set-LabFault {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [psobject] $Server,
        [Parameter(Mandatory)] [ValidateSet('metadata', 'upload', 'stow', 'archive', 'analytics', 'logs')] [string] $Endpoint,
        [Parameter(Mandatory)] [ValidateSet('Status', 'Reset', 'Slow', 'NonJson', 'EchoKey')] [string] $Mode,
        [ValidateRange(100, 599)] [int] $StatusCode = 503,
        [ValidateRange(0, [int]::MaxValue)] [int] $Count = 0,
        [ValidateRange(0, 86400)] [Nullable[int]] $RetryAfterSec,
        [ValidateRange(0, 600000)] [int] $DelayMs = 5000
    )
    $fault = [ordered]@{ endpoint = $Endpoint; mode = $Mode.ToLowerInvariant(); statusCode = $StatusCode; count = $Count; delayMs = $DelayMs }
    if ($null -ne $RetryAfterSec) { $fault.retryAfterSec = $RetryAfterSec }
    $null = Invoke-LabAdmin $Server POST 'faults' $fault
}

function Clear-LabFault {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Server)
    $null = Invoke-LabAdmin $Server DELETE 'faults'
}

<# .SYNOPSIS The instances the lab server stored: ID, SOPInstanceUID, StudyInstanceUID, SeriesInstanceUID, PatientID, Bytes, Via. #>
function Get-LabInstance {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Server)
    @(Invoke-LabAdmin $Server GET 'instances' | ForEach-Object { $_ })
}

<# .SYNOPSIS The logs POSTed to /api/logs: Seq, Time, SampleId, Attempt, Bytes, Text. #>
function Get-LabLog {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Server)
    @(Invoke-LabAdmin $Server GET 'logs' | ForEach-Object { $_ })
}

<#
.SYNOPSIS
    Adds (or replaces) a sample that GET /api/metadata answers.
.EXAMPLE
    Add-LabSample $server -SampleId s1 -PatientName 'Rex^Bobby' -Species Canine -TestType CBC -ClinicName 'Vet' -Extra @{ ward = 'B' }
#>
function Add-LabSample {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [psobject] $Server,
        [Parameter(Mandatory)] [string] $SampleId,
        [string] $PatientName,
        [string] $Species,
        [string] $TestType,
        [string] $ClinicName,
        # More fields of the metadata answer.
        [hashtable] $Extra = @{}
    )
    $sample = [ordered]@{}
    if ($PSBoundParameters.ContainsKey('PatientName')) { $sample['patient-name'] = $PatientName }
    if ($PSBoundParameters.ContainsKey('Species')) { $sample['request_species'] = $Species }
    if ($PSBoundParameters.ContainsKey('TestType')) { $sample['test_type'] = $TestType }
    if ($PSBoundParameters.ContainsKey('ClinicName')) { $sample['clinic-name'] = $ClinicName }
    foreach ($name in $Extra.Keys) { $sample[$name] = $Extra[$name] }
    Invoke-LabAdmin $Server PUT "samples/$([uri]::EscapeDataString($SampleId))" $sample
}

# ------------------------------------------------------------------------------------------ Orthanc

function Get-OrthancDicomWebPlugin {
    $candidates = @()
    if (Get-Command dpkg -CommandType Application -ErrorAction Ignore) {
        $candidates += @(& dpkg -L orthanc-dicomweb 2>$null | Where-Object { $_ -match '/libOrthancDicomWeb\.so$' })
    }
    $candidates += '/usr/share/orthanc/plugins/libOrthancDicomWeb.so'
    $candidates | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
}

<#
.SYNOPSIS
    Starts a private Orthanc (loopback, ports it binds itself where /proc tells us which, HTTP Basic with one
    random-password user, DICOMweb plugin, no DICOM port unless -EnableDicom) and waits until GET /system answers.
.OUTPUTS
    An object with .Url (no trailing slash), .Credential (PSCredential), .Process, .Storage, .StartupMs, and with
    -EnableDicom .DicomPort and .DicomAet.
#>
function Start-TestOrthanc {
    [CmdletBinding()]
    param(
        # Folder under which this Orthanc gets its own folder (config, storage, index, log); e.g. /dev/shm for benchmarks.
        [string] $StorageRoot,
        [int] $TimeoutSec = 20,
        # Also open Orthanc's DICOM port (C-ECHO/C-STORE) with this AE title, the called AE title checked; off by default.
        [switch] $EnableDicom,
        [string] $DicomAet = 'DTORTHANC'
    )
    $orthanc = Get-Command Orthanc -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source
    if (-not $orthanc -and (Test-Path /usr/sbin/Orthanc)) { $orthanc = '/usr/sbin/Orthanc' }
    if (-not $orthanc) { throw 'Orthanc is not installed (apt-get install orthanc orthanc-dicomweb).' }
    $plugin = Get-OrthancDicomWebPlugin
    if (-not $plugin) { throw 'The Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb).' }

    $root = New-TestServerDirectory -Parent $StorageRoot -Prefix 'dicomtools-orthanc-'
    $user = 'dicomtools'
    $password = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(18)).Replace('+', 'A').Replace('/', 'B')
    $credential = [pscredential]::new($user, (ConvertTo-SecureString -String $password -AsPlainText -Force))
    $client = [System.Net.Http.HttpClient]::new()
    $client.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new(
        'Basic', [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes("${user}:$password")))
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $logPath = Join-Path $root 'orthanc.log'
    $attempt = 0
    $ready = $false
    $process = $null
    try {
        while (-not $ready) {
            $attempt++
            $port = if (Test-Path -LiteralPath /proc/self/net/tcp) { 0 } else { Get-OrthancPortCandidate }
            $config = [ordered]@{
                Name                   = 'dicomtools-test'
                HttpPort               = $port
                RemoteAccessAllowed    = $false
                DicomServerEnabled     = [bool] $EnableDicom
                AuthenticationEnabled  = $true
                RegisteredUsers        = @{ $user = $password }
                StorageDirectory       = Join-Path $root 'storage'
                IndexDirectory         = Join-Path $root 'index'
                Plugins                = @($plugin)
                DicomWeb               = [ordered]@{ Enable = $true; Root = '/dicom-web/' }
            }
            $dicomPort = $null
            if ($EnableDicom) {
                # Port 0 where /proc can tell us which port it got; otherwise a candidate (retried when taken).
                if ($port -eq 0) { $dicomPort = 0 } else { do { $dicomPort = Get-OrthancPortCandidate } while ($dicomPort -eq $port) }
                $config.DicomAet = $DicomAet; $config.DicomPort = $dicomPort; $config.DicomCheckCalledAet = $true
            }
            $configPath = Join-Path $root 'orthanc.json'
            $config | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $configPath -Encoding utf8NoBOM
            if (-not $IsWindows) { & chmod 600 $configPath }   # it holds the password

            $process = Start-Process -FilePath $orthanc -ArgumentList @($configPath) -PassThru `
                -RedirectStandardOutput (Join-Path $root 'stdout.log') -RedirectStandardError $logPath
            $url = if ($port) { "http://127.0.0.1:$port" } else { $null }
            while (-not $ready) {
                if ($process.HasExited) {
                    $tail = (Get-Content -LiteralPath $logPath -Tail 15 -ErrorAction Ignore) -join "`n"
                    if ($tail -match 'already in use' -and $attempt -lt 5) {
                        Write-Verbose "Orthanc's port $port was taken before it could bind it; trying another (attempt $attempt)."
                        break
                    }
                    throw "Orthanc exited with code $($process.ExitCode) before it was ready (attempt $attempt). Its log:`n$tail"
                }
                if ($watch.Elapsed.TotalSeconds -gt $TimeoutSec) {
                    throw "Orthanc did not answer GET $url/system within $TimeoutSec s (log: $logPath)."
                }
                if (-not $url) {
                    # Started on port 0: its listening sockets, once there, are its HTTP port (and its DICOM port with
                    # -EnableDicom); the one that answers GET /system is HTTP.
                    $expected = if ($EnableDicom) { 2 } else { 1 }
                    $listening = @(Get-ListeningPort $process.Id)
                    if ($listening.Count -gt $expected) { throw "Orthanc, started on port 0, listens on $($listening -join ', '); expected $expected port(s)." }
                    if ($listening.Count -lt $expected) { $null = $process.WaitForExit(20); continue }
                    foreach ($candidate in $listening) {
                        # The DICOM port may sit on an HTTP request until its own timeout: 3 s bounds the probe.
                        $probeLimit = [System.Threading.CancellationTokenSource]::new([TimeSpan]::FromSeconds(3))
                        try {
                            $probe = $client.GetAsync("http://127.0.0.1:$candidate/system", $probeLimit.Token).GetAwaiter().GetResult()
                            $isHttp = $probe.IsSuccessStatusCode
                            $probe.Dispose()
                            if ($isHttp) { $port = $candidate; $url = "http://127.0.0.1:$port" }
                        }
                        catch [System.Net.Http.HttpRequestException], [System.OperationCanceledException] { }
                        finally { $probeLimit.Dispose() }
                        if ($url) { break }
                    }
                    if (-not $url) { $null = $process.WaitForExit(20); continue }
                    if ($EnableDicom) { $dicomPort = @($listening | Where-Object { $_ -ne $port })[0] }
                }
                try {
                    $response = $client.GetAsync("$url/system").GetAwaiter().GetResult()
                    $ready = $response.IsSuccessStatusCode
                    $response.Dispose()
                }
                catch [System.Net.Http.HttpRequestException] { }
                # Polling an external process's startup (its log is a file here): the timeout above is the guard.
                if (-not $ready -and -not $process.HasExited) { $null = $process.WaitForExit(20) }
            }
        }
    }
    catch {
        if ($process -and -not $process.HasExited) { $process.Kill($true); $process.WaitForExit(5000) | Out-Null }
        Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction Ignore
        throw
    }
    finally { $client.Dispose() }
    Write-Verbose "Orthanc ready at $url in $($watch.ElapsedMilliseconds) ms (pid $($process.Id))."

    $server = [pscustomobject]@{
        PSTypeName = 'DicomTools.Test.Orthanc'
        Url        = $url
        Credential = $credential
        Process    = $process
        Storage    = $root
        StartupMs  = $watch.ElapsedMilliseconds
        LogPath    = $logPath
        DicomPort  = $dicomPort
        DicomAet   = if ($EnableDicom) { $DicomAet } else { $null }
    }
    Set-SafeDefaultDisplay $server @('Url', 'Storage', 'StartupMs')
    return $server
}

<#
.SYNOPSIS
    Stops an Orthanc started by Start-TestOrthanc: SIGTERM, wait (then kill if it hangs), remove its folder.
#>
function Stop-TestOrthanc {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)] [psobject] $Server,
        [int] $TimeoutSec = 15
    )
    process {
        $process = $Server.Process
        if ($process -and -not $process.HasExited) {
            if ($IsWindows) { $process.Kill($true) } else { & kill -s TERM $process.Id }
            if (-not $process.WaitForExit($TimeoutSec * 1000)) {
                Write-Warning "Orthanc (pid $($process.Id)) ignored SIGTERM for $TimeoutSec s; killing it."
                $process.Kill($true)
                $process.WaitForExit(5000) | Out-Null
            }
        }
        if ($process) { $process.Dispose() }
        if ($Server.Storage -and (Test-Path -LiteralPath $Server.Storage)) {
            Remove-Item -LiteralPath $Server.Storage -Recurse -Force
        }
    }
}

# ------------------------------------------------------------------------------------------ test files

<#
.SYNOPSIS
    Writes a small, valid DICOM Part 10 file (Secondary Capture, explicit VR little endian) for tests
    that need a file without depending on the codec or dcmtk.
#>
function New-TestDicomFile {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $PatientId = 'PID-1',
        [string] $PatientName = 'Rex^Bobby',
        [string] $StudyInstanceUid = '1.2.826.0.1.3680043.2.1125.7',
        [string] $SeriesInstanceUid = '1.2.826.0.1.3680043.2.1125.7.1',
        [Parameter(Mandatory)] [string] $SopInstanceUid,
        [int] $PixelBytes = 64
    )
    $sopClass = '1.2.840.10008.5.1.4.1.1.7'
    $ascii = [System.Text.Encoding]::ASCII
    function Pad([byte[]] $bytes, [byte] $pad) { if ($bytes.Length % 2) { , [byte[]] ($bytes + $pad) } else { , $bytes } }
    function Uid([string] $uid) { Pad $ascii.GetBytes($uid) 0 }
    function Text([string] $text) { Pad $ascii.GetBytes($text) 32 }
    function Element([System.Collections.Generic.List[byte]] $out, [uint16] $group, [uint16] $element, [string] $vr, [byte[]] $value) {
        $out.AddRange([BitConverter]::GetBytes($group)); $out.AddRange([BitConverter]::GetBytes($element))
        $out.AddRange($ascii.GetBytes($vr))
        if ($vr -in 'OB', 'OW', 'SQ', 'UN', 'UT') { $out.AddRange([byte[]]::new(2)); $out.AddRange([BitConverter]::GetBytes([uint32] $value.Length)) }
        else { $out.AddRange([BitConverter]::GetBytes([uint16] $value.Length)) }
        $out.AddRange($value)
    }

    $meta = [System.Collections.Generic.List[byte]]::new()
    Element $meta 2 1 'OB' ([byte[]] (0, 1))
    Element $meta 2 2 'UI' (Uid $sopClass)
    Element $meta 2 3 'UI' (Uid $SopInstanceUid)
    Element $meta 2 0x10 'UI' (Uid '1.2.840.10008.1.2.1')
    $file = [System.Collections.Generic.List[byte]]::new()
    $file.AddRange([byte[]]::new(128)); $file.AddRange($ascii.GetBytes('DICM'))
    Element $file 2 0 'UL' ([BitConverter]::GetBytes([uint32] $meta.Count))
    $file.AddRange($meta)
    Element $file 8 0x16 'UI' (Uid $sopClass)
    Element $file 8 0x18 'UI' (Uid $SopInstanceUid)
    Element $file 0x10 0x10 'PN' (Text $PatientName)
    Element $file 0x10 0x20 'LO' (Text $PatientId)
    Element $file 0x20 0x0D 'UI' (Uid $StudyInstanceUid)
    Element $file 0x20 0x0E 'UI' (Uid $SeriesInstanceUid)
    Element $file 0x7FE0 0x10 'OB' ([byte[]]::new($PixelBytes + $PixelBytes % 2))
    [System.IO.File]::WriteAllBytes($Path, $file.ToArray())
    Get-Item -LiteralPath $Path
}
