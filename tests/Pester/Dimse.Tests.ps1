BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # Outside CI a machine without dcmtk or Orthanc skips these; with CI=true they run and fail loudly.
    $script:NoStoreScp = Test-SkipWithout 'storescp'
    $script:NoOrthanc = (Test-SkipWithout 'Orthanc') -and -not (Test-Path /usr/sbin/Orthanc)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildProcess.ps1')
    Import-Module $script:ModulePath -Force

    # storescp and Orthanc take a port number, not a socket: learn a free one by binding port 0 and releasing it; the
    # callers try again with another when a peer cannot bind it (someone took it meanwhile).
    function Get-UnusedLoopbackPort {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start()
        try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    }

    # Waits until something listens on the port (a failure guard, not a wait: peers start in well under a second).
    function Wait-TcpListening([int] $Port, [System.Diagnostics.Process] $Process, [int] $TimeoutSec = 20) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        while ($watch.Elapsed.TotalSeconds -lt $TimeoutSec) {
            if ($Process.HasExited) { return $false }
            # Where /proc tells, ready means the peer itself listens there: a squatter answering is never taken for it.
            if (Test-Path -LiteralPath /proc/self/net/tcp) {
                if ((Get-ListeningPort $Process.Id) -contains $Port) { return $true }
                $null = $Process.WaitForExit(20)
                continue
            }
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect([System.Net.IPAddress]::Loopback, $Port); return $true }
            catch [System.Net.Sockets.SocketException] { Start-Sleep -Milliseconds 20 }
            finally { $client.Dispose() }
        }
        throw "Nothing listened on port $Port within $TimeoutSec s."
    }

    # dcmtk's storescp takes a port number: learn a free one by binding port 0, and try again if it was taken meanwhile.
    function Start-StoreScp {
        $folder = Join-Path $TestDrive ('scp-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        foreach ($attempt in 1..5) {
            $port = Get-UnusedLoopbackPort
            $env:TCP_NODELAY = '1'
            $process = Start-Process -FilePath (Get-Command storescp -CommandType Application | Select-Object -First 1).Source `
                -ArgumentList @('-od', $folder, $port) -PassThru -RedirectStandardOutput (Join-Path $folder 'out.log') -RedirectStandardError (Join-Path $folder 'err.log')
            if (Wait-TcpListening $port $process) { return [pscustomobject]@{ Port = $port; Process = $process; Folder = $folder } }
        }
        throw 'storescp could not listen on a free port.'
    }

    # Orthanc with its DICOM port on and the called AE title checked (the HTTP test servers keep it off).
    function Stop-Peer($Peer) {
        if ($Peer -and -not $Peer.Process.HasExited) {
            if ($IsWindows) { $Peer.Process.Kill($true) } else { & kill -s TERM $Peer.Process.Id }
            if (-not $Peer.Process.WaitForExit(15000)) { $Peer.Process.Kill($true) }
        }
    }
}

Describe 'Test-DicomConnection against dcmtk storescp' -Tag 'Dimse' -Skip:$script:NoStoreScp {
    BeforeAll { $script:Scp = Start-StoreScp }
    AfterAll { Stop-Peer $script:Scp }

    It 'reports a successful C-ECHO with the round trip and dcmtk''s identity' {
        $result = Test-DicomConnection -ComputerName 127.0.0.1 -Port $script:Scp.Port -CalledAETitle STORESCP

        $result.Success | Should -BeTrue
        $result.Reachable | Should -BeTrue
        $result.AssociationAccepted | Should -BeTrue
        $result.EchoStatus | Should -Be 0
        $result.RoundTripMs | Should -BeGreaterThan 0
        $result.ImplementationVersionName | Should -BeLike 'OFFIS_DCMTK*'
        $result.Message | Should -Be 'C-ECHO succeeded.'
    }

    It 'lists what the archive accepts for the files piped in' {
        $file = Join-Path $TestDrive 'sc.dcm'
        $null = New-TestDicomFile -Path $file -SopInstanceUid "1.2.826.0.1.3680043.2.1125.99.$PID.1"
        $result = Get-Item $file | Test-DicomConnection -ComputerName 127.0.0.1 -Port $script:Scp.Port -CalledAETitle STORESCP

        $contexts = @($result.PresentationContexts)
        $contexts.Count | Should -BeGreaterThan 0
        $contexts.SopClassUid | Sort-Object -Unique | Should -Be '1.2.840.10008.5.1.4.1.1.7'
        ($contexts | Where-Object Accepted).TransferSyntaxUid | Should -Contain '1.2.840.10008.1.2.1'
        @(Get-ChildItem $script:Scp.Folder -Filter *.dcm).Count | Should -Be 0 -Because 'a connection test stores nothing'
    }
}

Describe 'Test-DicomConnection failures' -Tag 'Dimse' {
    It 'writes the result, then a ConnectionError record when nothing listens' {
        $port = Get-UnusedLoopbackPort
        $result = Test-DicomConnection -ComputerName 127.0.0.1 -Port $port -CalledAETitle ANY -ErrorVariable failures -ErrorAction SilentlyContinue

        $result.Success | Should -BeFalse
        $result.Reachable | Should -BeFalse
        $result.Message | Should -Match 'refused'
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.DicomConnectionFailed,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'times out on a peer that never answers, as OperationTimeout' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $result = Test-DicomConnection -ComputerName 127.0.0.1 -Port $port -CalledAETitle SILENT -TimeoutSec 1 -ErrorVariable failures -ErrorAction SilentlyContinue
            $result.Reachable | Should -BeTrue
            $result.AssociationAccepted | Should -BeFalse
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.DicomTimeout,*'
            $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        }
        finally { $listener.Stop() }
    }

    It 'refuses an AE title longer than 16 characters before connecting' {
        { Test-DicomConnection -ComputerName 127.0.0.1 -CalledAETitle 'MUCH-TOO-LONG-AE-TITLE' -ErrorAction Stop } |
            Should -Throw -ErrorId 'DicomTools.InvalidAETitle,DicomTools.Cmdlets.Commands.TestDicomConnectionCommand'
    }

    It 'makes pwsh -Command exit non-zero with -ErrorAction Stop' {
        $port = Get-UnusedLoopbackPort
        $pwsh = Get-ChildPwshCommand
        $command = "Import-Module '$($script:ModulePath)'; Test-DicomConnection -ComputerName 127.0.0.1 -Port $port -CalledAETitle ANY -ErrorAction Stop | Out-Null"
        $output = & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $command)) 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $output | Should -Match 'refused'
    }
}

Describe 'Test-DicomConnection against Orthanc''s DICOM port' -Tag 'Dimse', 'Orthanc' -Skip:$script:NoOrthanc {
    # The shared test Orthanc with its DICOM port: both ports bound by Orthanc itself, read back from /proc.
    BeforeAll { $script:DimseOrthanc = Start-TestOrthanc -EnableDicom -DicomAet DTORTHANC }
    AfterAll { if ($script:DimseOrthanc) { Stop-TestOrthanc $script:DimseOrthanc } }

    It 'echoes with the right called AE title' {
        $result = Test-DicomConnection -ComputerName 127.0.0.1 -Port $script:DimseOrthanc.DicomPort -CalledAETitle DTORTHANC -SopClass 1.2.840.10008.5.1.4.1.1.2
        $result.Success | Should -BeTrue
        $result.ImplementationClassUid | Should -Not -BeNullOrEmpty
        ($result.PresentationContexts | Where-Object SopClassUid -EQ '1.2.840.10008.5.1.4.1.1.2').Accepted | Should -BeTrue
    }

    It 'says in words that a wrong called AE title was rejected' {
        $result = Test-DicomConnection -ComputerName 127.0.0.1 -Port $script:DimseOrthanc.DicomPort -CalledAETitle WRONGAET -ErrorVariable failures -ErrorAction SilentlyContinue
        $result.Reachable | Should -BeTrue
        $result.AssociationAccepted | Should -BeFalse
        $result.RejectionReason | Should -Be 'called AE title not recognized (PS3.8 reason 7)'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.DicomAssociationRejected,*'
        $failures[0].ErrorDetails.RecommendedAction | Should -Match 'CalledAETitle'
    }
}

Describe 'Send-DicomFile -Protocol Dimse' -Tag 'Dimse' -Skip:$script:NoStoreScp {
    BeforeAll {
        $script:Scp = Start-StoreScp
        $script:Files = foreach ($i in 1..3) {
            $file = Join-Path $TestDrive "send$i.dcm"
            $null = New-TestDicomFile -Path $file -SopInstanceUid "1.2.826.0.1.3680043.2.1125.98.$PID.$i"
            $file
        }
    }
    AfterAll { Stop-Peer $script:Scp }

    It 'stores every file piped in by C-STORE, in input order, with the DIMSE status' {
        $results = Get-ChildItem $script:Files | Send-DicomFile -Protocol Dimse -ComputerName 127.0.0.1 -Port $script:Scp.Port -CalledAETitle STORESCP -ThrottleLimit 1

        $results.Path | Should -Be (Get-Item $script:Files).FullName
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        $results.StatusCode | Sort-Object -Unique | Should -Be 0
        $results.Protocol | Sort-Object -Unique | Should -Be 'Dimse'
        @(Get-ChildItem $script:Scp.Folder -Exclude *.log).Count | Should -Be 3
    }

    It 'takes the archive as a dicom:// URI, which implies -Protocol Dimse' {
        # The What if: line ("C-STORE to STORESCP@127.0.0.1:<port>") goes to the host, which a test cannot capture.
        $result = Send-DicomFile -LiteralPath $script:Files[0] -Uri "dicom://STORESCP@127.0.0.1:$($script:Scp.Port)" -WhatIf
        $result.Status | Should -Be 'WhatIf'
        $result.Protocol | Should -Be 'Dimse'
    }

    It 'refuses an HTTP credential and -Atomic with DIMSE' {
        { Send-DicomFile -LiteralPath $script:Files[0] -Protocol Dimse -ComputerName 127.0.0.1 -CalledAETitle X -ApiKey (ConvertTo-SecureString k -AsPlainText -Force) -ErrorAction Stop } |
            Should -Throw -ErrorId 'DicomTools.DimseTakesNoCredential,*'
        { Send-DicomFile -LiteralPath $script:Files[0] -Protocol Dimse -ComputerName 127.0.0.1 -CalledAETitle X -Atomic -ErrorAction Stop } |
            Should -Throw -ErrorId 'DicomTools.AtomicNeedsOneRequest,*'
    }

    It 'fails with a ConnectionError record when nothing listens' {
        $port = Get-UnusedLoopbackPort
        $result = Send-DicomFile -LiteralPath $script:Files[0] -Protocol Dimse -ComputerName 127.0.0.1 -Port $port -CalledAETitle ANY -MaximumRetryCount 0 -ErrorVariable failures -ErrorAction SilentlyContinue

        $result.Status | Should -Be 'Failed'
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.UploadFailed.Connection,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }
}

Describe 'Send-DicomFile -Protocol Dimse to Orthanc''s DICOM port, checked through its REST API' -Tag 'Dimse', 'Orthanc' -Skip:$script:NoOrthanc {
    BeforeAll {
        $script:Archive = Start-TestOrthanc -EnableDicom -DicomAet DTORTHANC
        $script:PatientId = 'DIMSE-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $root = '2.25.' + [System.Numerics.BigInteger]::new([guid]::NewGuid().ToByteArray() + [byte] 0)
        $folder = Join-Path $TestDrive 'to-orthanc'
        $null = New-Item -ItemType Directory -Path $folder
        foreach ($i in 1..4) {
            $null = New-TestDicomFile -Path (Join-Path $folder "img$i.dcm") -SopInstanceUid "$root.$i" -StudyInstanceUid "$root.100" -SeriesInstanceUid "$root.100.1" -PatientId $script:PatientId
        }
        $script:OrthancFolder = $folder

        function Get-OrthancInstanceOf([string] $PatientId) {
            $query = @{ Level = 'Instance'; Query = @{ PatientID = $PatientId } } | ConvertTo-Json -Compress
            # Invoke-RestMethod writes a JSON array as one object: enumerate it, so that @(...) counts the instances.
            $found = Invoke-RestMethod -Method Post -Uri "$($script:Archive.Url)/tools/find" -Body $query -ContentType 'application/json' `
                -Credential $script:Archive.Credential -Authentication Basic -AllowUnencryptedAuthentication
            $found
        }
    }
    AfterAll { if ($script:Archive) { Stop-TestOrthanc $script:Archive } }

    It 'stores every file (visible by its PatientID through REST), and reports a second send as Orthanc answers it' {
        $send = { Get-ChildItem $script:OrthancFolder -Filter *.dcm | Send-DicomFile -Protocol Dimse -ComputerName 127.0.0.1 -Port $script:Archive.DicomPort -CalledAETitle DTORTHANC -ThrottleLimit 2 }
        $first = & $send
        @($first).Count | Should -Be 4
        $first.Status | Sort-Object -Unique | Should -Be 'Stored'
        $first.StatusCode | Sort-Object -Unique | Should -Be 0
        @(Get-OrthancInstanceOf $script:PatientId).Count | Should -Be 4

        # Orthanc answers a C-STORE of an instance it already has with success (it keeps the one it has): the same
        # files are reported Stored again, per file, and the archive still holds one copy of each.
        $again = & $send
        @($again).Count | Should -Be 4
        $again.Status | Sort-Object -Unique | Should -Be 'Stored'
        $again.StatusCode | Sort-Object -Unique | Should -Be 0
        @(Get-OrthancInstanceOf $script:PatientId).Count | Should -Be 4
    }

    It 'runs Invoke-SampleUpload with U_URL=dicom://: metadata and analytics from the lab server, the upload over DIMSE' {
        $keys = @{ MdKey = 'mdK3y-Dm10-SECRET'; UploadKey = 'upK3y-Dm10-SECRET'; AnalyticsKey = 'anK3y-Dm10-SECRET'; LogKey = 'lgK3y-Dm10-SECRET' }
        $lab = Start-LabServer -Keys $keys
        $names = 'MD_URL', 'MD_KEY', 'U_URL', 'U_KEY', 'A_URL', 'A_KEY', 'LOG_URL', 'LOG_KEY'
        try {
            $env:MD_URL = "$($lab.Url)/api/metadata"; $env:MD_KEY = $keys.MdKey
            $env:A_URL = "$($lab.Url)/api/analytics"; $env:A_KEY = $keys.AnalyticsKey
            $env:U_URL = "dicom://DTORTHANC@127.0.0.1:$($script:Archive.DicomPort)"
            $env:U_KEY = $keys.UploadKey   # meaningless for DIMSE: never sent, never shown
            $root = '2.25.' + [System.Numerics.BigInteger]::new([guid]::NewGuid().ToByteArray() + [byte] 0)
            $folder = Join-Path $TestDrive 'sample-run'
            $null = New-Item -ItemType Directory -Path (Join-Path $folder 'data')
            foreach ($i in 1..3) {
                $null = New-TestDicomFile -Path (Join-Path $folder "data/img$i.dcm") -SopInstanceUid "$root.$i" -StudyInstanceUid "$root.100" -SeriesInstanceUid "$root.100.1" -PatientId 'OLD-ID'
            }
            Push-Location $folder
            try { $summary = Invoke-SampleUpload -Directory ./data -Verbose 4>&1 | Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } }
            finally { Pop-Location }
            $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

            $summary.Succeeded | Should -BeTrue
            @($summary.FilesFound, $summary.Updated, $summary.Uploaded, $summary.Failed) | Should -Be @(3, 3, 3, 0)
            $summary.Analytics.request_type | Should -Be 'CBC'
            @(Get-LabJournal $lab -Endpoint analytics).Count | Should -Be 1
            @(Get-LabJournal $lab -Endpoint upload).Count | Should -Be 0 -Because 'the upload went to Orthanc over DIMSE'

            @(Get-OrthancInstanceOf 'ref0000022tes-cbc-001').Count | Should -Be 3
            ($verbose -match 'DICOM C-STORE to DTORTHANC@127\.0\.0\.1').Count | Should -BeGreaterThan 0
            ($verbose -match 'U_KEY is not used').Count | Should -BeGreaterThan 0
            ($verbose -join "`n") | Should -Not -Match ([regex]::Escape($keys.UploadKey))
            (Get-Content -Raw -LiteralPath $summary.LogPath) | Should -Not -Match ([regex]::Escape($keys.UploadKey))
        }
        finally {
            foreach ($name in $names) { Remove-Item "env:$name" -ErrorAction Ignore }
            Stop-LabServer $lab
        }
    }
}
