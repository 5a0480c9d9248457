BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:SkipOrthanc = Test-SkipWithout Orthanc
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
}

Describe 'Start-LabServer and its helpers' -Tag 'TestServers' {
    BeforeAll {
        $script:server = Start-LabServer -Keys @{ UploadKey = 'pester-upload-key-8c1' }
        $script:file = New-TestDicomFile -Path (Join-Path $TestDrive 'one.dcm') -SopInstanceUid '1.2.826.0.1.3680043.2.1125.9.1' -PatientId 'PESTER-1'
        $script:md = @{ 'x-api-key' = $server.Keys.MdKey }
    }
    AfterAll {
        if ($script:server) { Stop-LabServer $script:server }
    }
    BeforeEach {
        Clear-LabFault $server
        Clear-LabJournal $server
    }

    It 'listens on loopback and keeps the keys out of its default display' {
        $server.Url | Should -Match '^http://127\.0\.0\.1:\d+$'
        $server.Process.HasExited | Should -BeFalse
        Test-Path -LiteralPath $server.Storage | Should -BeTrue
        $shown = $server | Out-String
        $shown | Should -Match ([regex]::Escape($server.Url))
        foreach ($key in $server.Keys.Values) { $shown | Should -Not -Match ([regex]::Escape($key)) }
        if ($IsLinux) {
            # Keys travel in the environment: the process list shows no key.
            $commandLine = (Get-Content -Raw "/proc/$($server.Process.Id)/cmdline") -replace "`0", ' '
            $commandLine | Should -Match 'DicomTools\.LabServer\.dll'
            foreach ($key in $server.Keys.Values) { $commandLine | Should -Not -Match ([regex]::Escape($key)) }
        }
    }

    It 'serves the seeded sample with its non-ASCII clinic name' {
        $answer = Invoke-RestMethod "$($server.Url)/api/metadata?sample_id=ref0000022tes-cbc&priority=2" -Headers $md
        $answer.'clinic-name' | Should -BeExactly 'Clínica Veterinária São João'
        $answer.'patient-name' | Should -BeExactly 'Rex^Bobby'
        $answer.priority | Should -Be 2
    }

    It 'checks the keys it was given, not the defaults' {
        $ok = Invoke-RestMethod "$($server.Url)/api/upload" -Method Post -Headers @{ Authorization = 'pester-upload-key-8c1' } -InFile $file.FullName
        $ok.Status | Should -Be 'Success'
        $ok.PatientID | Should -Be 'PESTER-1'
        $refused = Invoke-WebRequest "$($server.Url)/api/upload" -Method Post -Headers @{ Authorization = 'upload-test-key' } -InFile $file.FullName -SkipHttpErrorCheck
        $refused.StatusCode | Should -Be 403
        (Get-LabInstance $server).SOPInstanceUID | Should -Contain '1.2.826.0.1.3680043.2.1125.9.1'
    }

    It 'Set-LabFault fails the first N requests with Retry-After, then the endpoint behaves' {
        Set-LabFault $server -Endpoint metadata -Mode Status -StatusCode 503 -Count 2 -RetryAfterSec 1
        $responses = 1..3 | ForEach-Object {
            Invoke-WebRequest "$($server.Url)/api/metadata?sample_id=ascii0001-chem" -Headers $md -SkipHttpErrorCheck
        }
        $responses.StatusCode | Should -Be @(503, 503, 200)
        $responses[0].Headers['Retry-After'] | Should -Be '1'
        (Get-LabJournal $server -Endpoint metadata).Fault | Should -Be @('status', 'status', $null)
    }

    It 'Set-LabFault -Mode Reset drops the connection' {
        Set-LabFault $server -Endpoint analytics -Mode Reset -Count 1
        { Invoke-RestMethod "$($server.Url)/api/analytics?sample_id=a&request_type=CBC" -Headers @{ 'x-api-key' = $server.Keys.AnalyticsKey } } |
            Should -Throw -ExceptionType ([System.Net.Http.HttpRequestException])
        (Get-LabJournal $server -Endpoint analytics)[0].StatusCode | Should -Be 0
    }

    It 'Set-LabFault -Mode NonJson answers 200 with HTML' {
        Set-LabFault $server -Endpoint metadata -Mode NonJson -Count 1
        $response = Invoke-WebRequest "$($server.Url)/api/metadata?sample_id=ascii0001-chem" -Headers $md
        $response.StatusCode | Should -Be 200
        $response.Headers['Content-Type'] | Should -Match '^text/html'
    }

    It 'Clear-LabFault ends an always-on fault' {
        Set-LabFault $server -Endpoint metadata -Mode Status -StatusCode 500
        (Invoke-WebRequest "$($server.Url)/api/metadata?sample_id=ascii0001-chem" -Headers $md -SkipHttpErrorCheck).StatusCode | Should -Be 500
        (Invoke-WebRequest "$($server.Url)/api/metadata?sample_id=ascii0001-chem" -Headers $md -SkipHttpErrorCheck).StatusCode | Should -Be 500
        Clear-LabFault $server
        (Invoke-WebRequest "$($server.Url)/api/metadata?sample_id=ascii0001-chem" -Headers $md -SkipHttpErrorCheck).StatusCode | Should -Be 200
    }

    It 'journals header names and JSON bodies but never a key' {
        $body = '{"sample_id":"ascii0001-chem","request_type":"CHEM"}'
        $null = Invoke-RestMethod "$($server.Url)/api/analytics" -Method Post -Headers @{ 'x-api-key' = $server.Keys.AnalyticsKey } -Body $body -ContentType 'application/json'
        $null = Invoke-WebRequest "$($server.Url)/api/metadata?sample_id=ascii0001-chem" -Headers @{ 'x-api-key' = 'a-wrong-key-77' } -SkipHttpErrorCheck

        $journal = Get-LabJournal $server
        $journal.Count | Should -Be 2
        $journal[0].Endpoint | Should -Be 'analytics'
        $journal[0].BodyJson.request_type | Should -Be 'CHEM'
        $journal[0].Headers | Should -Contain 'x-api-key'
        $journal[1].StatusCode | Should -Be 403
        $text = $journal | ConvertTo-Json -Depth 5
        foreach ($secret in @($server.Keys.Values) + 'a-wrong-key-77') { $text | Should -Not -Match ([regex]::Escape($secret)) }

        Clear-LabJournal $server
        @(Get-LabJournal $server).Count | Should -Be 0
    }

    It 'Add-LabSample adds a sample that the metadata API serves' {
        $null = Add-LabSample $server -SampleId 'pester-7' -PatientName 'Zé^Rex' -Species Canine -TestType URI -ClinicName 'Vet São Paulo' -Extra @{ ward = 'B' }
        $answer = Invoke-RestMethod "$($server.Url)/api/metadata?sample_id=pester-7" -Headers $md
        $answer.'patient-name' | Should -BeExactly 'Zé^Rex'
        $answer.'clinic-name' | Should -BeExactly 'Vet São Paulo'
        $answer.ward | Should -Be 'B'
    }

    It 'Get-LabLog returns what /api/logs received' {
        $null = Invoke-RestMethod "$($server.Url)/api/logs?sample_id=pester-7&attempt=2" -Method Post -Headers @{ 'x-api-key' = $server.Keys.LogKey } -Body 'log line' -ContentType 'text/plain'
        $log = Get-LabLog $server | Select-Object -Last 1
        $log.SampleId | Should -Be 'pester-7'
        $log.Attempt | Should -Be '2'
        $log.Text | Should -Be 'log line'
    }

    It 'Stop-LabServer stops the process and removes the storage it created' {
        $other = Start-LabServer
        $processId = $other.Process.Id
        $storage = $other.Storage
        Stop-LabServer $other
        Get-Process -Id $processId -ErrorAction Ignore | Should -BeNullOrEmpty
        Test-Path -LiteralPath $storage | Should -BeFalse
    }

    It 'stops cleanly on SIGTERM' -Skip:($IsWindows) {
        $other = Start-LabServer
        try {
            & kill -s TERM $other.Process.Id
            $other.Process.WaitForExit(10000) | Should -BeTrue
            $other.Process.ExitCode | Should -Be 0
        }
        finally { Stop-LabServer $other }
    }

    It 'says why when the server cannot start' -Skip:($IsWindows) {
        { Start-LabServer -StoragePath '/proc/no-such-place/lab' } | Should -Throw "*exited with code 1*could not start*'/proc/no-such-place/lab'*"
    }

    It 'says clearly when the server is not built' {
        { Start-LabServer -Configuration 'NoSuchConfiguration' } | Should -Throw '*is not built*dotnet build tests/LabServer*'
    }
}

Describe 'Start-TestOrthanc' -Tag 'TestServers', 'Orthanc' -Skip:$script:SkipOrthanc {
    BeforeAll {
        $script:orthanc = Start-TestOrthanc
        $script:auth = @{ Credential = $orthanc.Credential; Authentication = 'Basic'; AllowUnencryptedAuthentication = $true }
        $script:file = New-TestDicomFile -Path (Join-Path $TestDrive 'o.dcm') -SopInstanceUid '1.2.826.0.1.3680043.2.1125.9.2' -PatientId 'PESTER-ORTHANC'
        Write-Host "    Orthanc ready in $($orthanc.StartupMs) ms"
    }
    AfterAll {
        if ($script:orthanc) { Stop-TestOrthanc $script:orthanc }
    }

    It 'answers only with the credentials it returned' {
        $orthanc.Url | Should -Match '^http://127\.0\.0\.1:\d+$'
        (Invoke-WebRequest "$($orthanc.Url)/system" -SkipHttpErrorCheck).StatusCode | Should -Be 401
        (Invoke-RestMethod "$($orthanc.Url)/system" @auth).Name | Should -Be 'dicomtools-test'
    }

    It 'stores an upload, then answers AlreadyStored, and keeps the PatientID' {
        $first = Invoke-RestMethod "$($orthanc.Url)/instances" -Method Post -InFile $file.FullName @auth
        $second = Invoke-RestMethod "$($orthanc.Url)/instances" -Method Post -InFile $file.FullName @auth
        $first.Status | Should -Be 'Success'
        $second.Status | Should -Be 'AlreadyStored'
        (Invoke-RestMethod "$($orthanc.Url)/instances/$($first.ID)/simplified-tags" @auth).PatientID | Should -Be 'PESTER-ORTHANC'
    }

    It 'serves DICOMweb under /dicom-web/' {
        $studies = Invoke-RestMethod "$($orthanc.Url)/dicom-web/studies?PatientID=PESTER-ORTHANC" @auth
        @($studies).Count | Should -Be 1
    }

    It 'keeps the password out of its default display and locks down its config file' {
        $password = $orthanc.Credential.GetNetworkCredential().Password
        ($orthanc | Out-String) | Should -Not -Match ([regex]::Escape($password))
        if (-not $IsWindows) {
            (Get-Item (Join-Path $orthanc.Storage 'orthanc.json')).UnixFileMode |
                Should -Be ([System.IO.UnixFileMode]::UserRead -bor [System.IO.UnixFileMode]::UserWrite)
        }
    }

    It 'Stop-TestOrthanc stops it and removes its folder' {
        $other = Start-TestOrthanc
        $processId = $other.Process.Id
        Stop-TestOrthanc $other
        Get-Process -Id $processId -ErrorAction Ignore | Should -BeNullOrEmpty
        Test-Path -LiteralPath $other.Storage | Should -BeFalse
    }
}
