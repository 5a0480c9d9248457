BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    Import-Module $script:ModulePath -Force

    $script:UploadKey = 'Up-Kx7-distinctive-key-8841'
    $script:MdKey = 'Md-Kx7-distinctive-key-1209'
    $script:AnalyticsKey = 'An-Kx7-distinctive-key-3377'
    $script:Server = Start-LabServer -Keys @{ UploadKey = $script:UploadKey; MdKey = $script:MdKey; AnalyticsKey = $script:AnalyticsKey }
    $script:RawUri = "$($script:Server.Url)/api/upload"
    $script:StowUri = "$($script:Server.Url)/dicom-web/studies"
    $script:ArchiveUri = "$($script:Server.Url)/api/upload/archive"

    function ConvertTo-TestSecret([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }
    # Fast retries, so that fault tests take a second, not minutes.
    $script:Up = @{ ApiKey = (ConvertTo-TestSecret $script:UploadKey); RetryIntervalSec = 0.1 }

    $script:Uid = 0
    # A folder of small DICOM files with UIDs no other test uses; one name has brackets.
    function New-UploadFolder([int] $Count = 3, [string[]] $Names) {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        if (-not $Names) { $Names = 1..$Count | ForEach-Object { "img$_.dcm" } }
        foreach ($name in $Names) {
            $script:Uid++
            $null = New-TestDicomFile -Path (Join-Path $folder $name) -SopInstanceUid "1.2.826.0.1.3680043.2.1125.77.$PID.$($script:Uid)" -PixelBytes 4000
        }
        $folder
    }

    function Get-StoredUid { @(Get-LabInstance $script:Server | ForEach-Object SOPInstanceUID) }

    $script:SavedEnvironment = @{}
    foreach ($name in 'U_URL', 'U_KEY', 'MD_URL', 'MD_KEY', 'A_URL', 'A_KEY') {
        $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
}

AfterAll {
    if ($script:Server) { Stop-LabServer $script:Server }
    foreach ($name in $script:SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnvironment[$name]) }
}

Describe 'Send-DicomFile against the reference lab server' -Tag 'Upload' {
    BeforeEach { Clear-LabFault $script:Server; Clear-LabJournal $script:Server }

    It 'uploads each file Raw, one POST per file, with one result per file' {
        $folder = New-UploadFolder -Names 'a.dcm', 'b [1].dcm', 'c.dcm'
        $results = @(Get-ChildItem -LiteralPath $folder | Send-DicomFile -Uri $script:RawUri @script:Up)

        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.PSTypeNames[0] | Should -Be 'DicomTools.Engine.Upload.UploadResult' }
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        $results.StatusCode | Sort-Object -Unique | Should -Be 200
        ($results | Where-Object Name -EQ 'b [1].dcm').Bytes | Should -Be (Get-Item -LiteralPath (Join-Path $folder 'b [1].dcm')).Length
        $results.SopInstanceUid | ForEach-Object { Get-StoredUid | Should -Contain $_ }
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 3
    }

    It 'takes -Path wildcards and -LiteralPath names with brackets' {
        $folder = New-UploadFolder -Names 'x [1].dcm', 'x1.dcm'
        $literal = Send-DicomFile -LiteralPath (Join-Path $folder 'x [1].dcm') -Uri $script:RawUri @script:Up
        $literal.Status | Should -Be 'Stored'
        $wild = @(Send-DicomFile -Path (Join-Path $folder 'x*.dcm') -Uri $script:RawUri @script:Up)
        $wild.Name | Sort-Object | Should -Be @('x [1].dcm', 'x1.dcm')
    }

    It 'reports a file sent again as AlreadyStored, a success' {
        $folder = New-UploadFolder 2
        $null = Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri @script:Up
        $again = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri @script:Up -ErrorVariable errs)
        $again.Status | Sort-Object -Unique | Should -Be 'AlreadyStored'
        $errs | Should -BeNullOrEmpty
    }

    It 'sends STOW-RS in batches of -BatchSize and reads each file''s status from the answer' {
        $folder = New-UploadFolder 5
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:StowUri -Protocol StowRs -BatchSize 2 @script:Up)
        $results.Count | Should -Be 5
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        @(Get-LabJournal $script:Server -Endpoint stow).Count | Should -Be 3
    }

    It 'sends STOW-RS in requests of 10 files when -BatchSize is not given' {
        $folder = New-UploadFolder 21
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:StowUri -Protocol StowRs @script:Up)
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        @(Get-LabJournal $script:Server -Endpoint stow).Count | Should -Be 3
    }

    It 'sends every file in one ZIP with -Protocol Archive' {
        $folder = New-UploadFolder 4
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:ArchiveUri -Protocol Archive @script:Up)
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        $results.ServerId | Should -Not -Contain $null
        @(Get-LabJournal $script:Server -Endpoint archive).Count | Should -Be 1
    }

    It 'with -ErrorAction Stop writes the result of every file it sent before the terminating error (issue 9 item 22)' {
        $folder = New-UploadFolder 40
        # First in input order, and refused by the server (400): the other requests in flight by then reach the server.
        Set-Content -LiteralPath (Join-Path $folder 'img0.dcm') -Value 'not DICOM'
        $inputs = @(Get-ChildItem -LiteralPath $folder | Sort-Object Name)
        $storedBefore = @(Get-StoredUid)
        $results = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try { $inputs | Send-DicomFile -Uri $script:RawUri @script:Up -ThrottleLimit 8 -ErrorAction Stop | ForEach-Object { $results.Add($_) } }
        catch { $err = $_ }

        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.UploadFailed*'
        $stored = @(Get-StoredUid | Where-Object { $_ -notin $storedBefore })
        $reported = @($results | Where-Object Status -EQ 'Stored' | ForEach-Object SopInstanceUid)
        Write-Host ("-ErrorAction Stop: {0} files stored by the server, {1} results ({2} Stored) before the error" -f $stored.Count, $results.Count, $reported.Count)
        @($reported | Sort-Object) | Should -Be @($stored | Sort-Object)
        $results[0].Name | Should -Be 'img0.dcm'
        $results[0].Status | Should -Be 'Failed'
        # One result per input the command received (the error stops the pipeline feeding it), in input order; what was
        # not sent says so.
        $results.Path | Should -Be @($inputs.FullName)[0..($results.Count - 1)]
        @($results | Where-Object Status -EQ 'NotSent').Count | Should -Be ($results.Count - 1 - $stored.Count)
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be (1 + $stored.Count)
    }

    It 'goes on past a failing file and gives it an error record naming it' {
        $folder = New-UploadFolder 3
        Set-Content -LiteralPath (Join-Path $folder 'readme.dcm') -Value 'not DICOM'
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri @script:Up -ErrorVariable errs -ErrorAction SilentlyContinue)

        $results.Count | Should -Be 4
        @($results | Where-Object Status -EQ 'Stored').Count | Should -Be 3
        $failed = $results | Where-Object Status -EQ 'Failed'
        $failed.Name | Should -Be 'readme.dcm'
        $failed.StatusCode | Should -Be 400
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.UploadFailed*'
        $errs[0].TargetObject | Should -Be $failed.Path
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'retries a 503 with Retry-After and says so on the verbose stream' {
        Set-LabFault $script:Server -Endpoint upload -Mode Status -StatusCode 503 -Count 2 -RetryAfterSec 0
        $folder = New-UploadFolder 1
        $output = Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri @script:Up -ThrottleLimit 1 -Verbose 4>&1
        $result = $output | Where-Object { $_.PSTypeNames[0] -eq 'DicomTools.Engine.Upload.UploadResult' }
        $result.Status | Should -Be 'Stored'
        $result.Attempts | Should -Be 3
        @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'attempt \d/\d failed.*retrying' }).Count | Should -Be 2
    }

    It 'fails with one PermissionDenied error on a bad key, and the key appears nowhere' {
        $folder = New-UploadFolder 2
        $badKey = 'Wrong-Kx7-key-never-shown-4410'
        $all = Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri -ApiKey (ConvertTo-TestSecret $badKey) -RetryIntervalSec 0.1 -Verbose -ErrorVariable errs -ErrorAction SilentlyContinue *>&1
        # One refusal is one problem: one error record, whether the second request was already in flight or not sent.
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $results = @($all | Where-Object { $_.PSTypeNames[0] -eq 'DicomTools.Engine.Upload.UploadResult' })
        $results.Count | Should -Be 2
        ($results | Where-Object Status -EQ 'Failed').Attempts | Sort-Object -Unique | Should -Be 1
        $text = ($all | Out-String) + ($errs | Format-List * -Force | Out-String)
        $text | Should -Not -Match ([regex]::Escape($badKey))
        $text | Should -Not -Match ([regex]::Escape($script:UploadKey))
    }

    It 'stops sending after a 401/403: the rest is NotSent, with one error record (issue 9 item 20)' {
        $folder = New-UploadFolder 6
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri -ApiKey (ConvertTo-TestSecret 'Wrong-Kx7-key-0001') -ThrottleLimit 1 -RetryIntervalSec 0.1 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 6
        $results[0].Status | Should -Be 'Failed'
        $results[1..5].Status | Sort-Object -Unique | Should -Be 'NotSent'
        $results[1..5].FailureReason | Sort-Object -Unique | Should -Be 'StoppedAfterRefusal'
        $results[1].Message | Should -Match "refused the credential for 'img1.dcm'"
        $errs.Count | Should -Be 1
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 1
    }

    It 'writes results in input order, though later files finish first (issue 11 item 3)' {
        $folder = New-UploadFolder 5
        # The first request to arrive is held back, so the ones beside it are answered before it.
        Set-LabFault $script:Server -Endpoint upload -Mode Slow -DelayMs 500 -Count 1
        $files = @(Get-ChildItem $folder | Sort-Object Name)
        $results = @($files | Send-DicomFile -Uri $script:RawUri @script:Up -ThrottleLimit 4)
        $results.Name | Should -Be $files.Name
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
    }

    It 'sends nothing with -WhatIf and emits WhatIf results' {
        $folder = New-UploadFolder 2
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri @script:Up -WhatIf)
        $results.Status | Sort-Object -Unique | Should -Be 'WhatIf'
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 0
    }

    It 'with -Atomic stores nothing when one file is bad, and reports every file failed' {
        $folder = New-UploadFolder 3
        Set-Content -LiteralPath (Join-Path $folder 'zz-bad.dcm') -Value 'not DICOM'
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:ArchiveUri -Atomic @script:Up -ErrorVariable errs -ErrorAction SilentlyContinue)

        $results.Count | Should -Be 4
        $results.Status | Sort-Object -Unique | Should -Be 'Failed'
        $errs.Count | Should -Be 4
        ($results | Where-Object Name -EQ 'zz-bad.dcm').Message | Should -Match 'zz-bad.dcm'
        $stored = Get-StoredUid
        $results.SopInstanceUid | Where-Object { $_ } | ForEach-Object { $stored | Should -Not -Contain $_ }
        @(Get-LabJournal $script:Server -Endpoint archive).Count | Should -Be 1
    }

    It 'with -Atomic stores the whole set when every file is good' {
        $folder = New-UploadFolder 3
        $results = @(Get-ChildItem $folder | Send-DicomFile -Uri $script:ArchiveUri -Atomic @script:Up)
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
    }

    It 'refuses -Atomic with -Protocol Raw before sending anything' {
        $folder = New-UploadFolder 1
        { Get-ChildItem $folder | Send-DicomFile -Uri $script:RawUri -Protocol Raw -Atomic @script:Up -ErrorAction Stop } |
            Should -Throw -ErrorId 'DicomTools.AtomicNeedsOneRequest*'
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 0
    }

    It 'stops every upload in flight promptly when the pipeline is stopped (Ctrl+C)' {
        Set-LabFault $script:Server -Endpoint upload -Mode Slow -DelayMs 30000
        $folder = New-UploadFolder 6
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath).AddStatement()
            $null = $ps.AddCommand('Get-ChildItem').AddParameter('LiteralPath', $folder).AddCommand('Send-DicomFile').
                AddParameter('Uri', $script:RawUri).AddParameter('ApiKey', (ConvertTo-TestSecret $script:UploadKey)).AddParameter('ThrottleLimit', 3)
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (@(Get-LabJournal $script:Server -Endpoint upload).Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 3   # ThrottleLimit: three in flight, three queued
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            # Stop() returns when the pipeline has stopped; the async handle is signalled just after, on another thread.
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(5)) | Should -BeTrue
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # Stop() returns once every upload worker has ended, so whatever this command sent has left by now; once
            # the server has no connection left open, it has read and journaled all of it: the count below is final.
            Wait-LabIdle $script:Server
            $journal = @(Get-LabJournal $script:Server -Endpoint upload)
            $journal.Count | Should -Be 3   # the queued ones were never sent
            $journal.Completed | Sort-Object -Unique | Should -BeTrue
            $journal.StatusCode | Sort-Object -Unique | Should -Be 0   # the three in flight were dropped by the client, not answered
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'reads the URL and key from U_URL and U_KEY when not given' {
        $folder = New-UploadFolder 1
        try {
            $env:U_URL = $script:RawUri
            $env:U_KEY = $script:UploadKey
            (Get-ChildItem $folder | Send-DicomFile -RetryIntervalSec 0.1).Status | Should -Be 'Stored'
        }
        finally { $env:U_URL = $null; $env:U_KEY = $null }
    }
}

Describe 'Set-DicomTags | Send-DicomFile' -Tag 'Upload' {
    BeforeAll {
        $script:Md = @{ Uri = "$($script:Server.Url)/api/metadata"; ApiKey = (ConvertTo-TestSecret $script:MdKey); RetryIntervalSec = 0.1 }
        $script:An = @{ Uri = "$($script:Server.Url)/api/analytics"; ApiKey = (ConvertTo-TestSecret $script:AnalyticsKey); RetryIntervalSec = 0.1 }
    }
    BeforeEach { Clear-LabJournal $script:Server }

    It 'never uploads files that Set-DicomTags -WhatIf did not tag, warns for each, and reports them NotSent' {
        $folder = New-UploadFolder 2
        $metadata = Get-SampleMetadata -SampleId 'ref0000022tes-cbc' @script:Md
        $results = @(Get-ChildItem $folder | Set-DicomTags -Metadata $metadata -WhatIf | Send-DicomFile -Uri $script:RawUri @script:Up -WarningVariable warnings 3>$null)
        $results.Count | Should -Be 2
        $results.Status | Sort-Object -Unique | Should -Be 'NotSent'
        $results[0].Message | Should -Match 'WhatIf'
        $warnings.Count | Should -Be 2
        $warnings[0].Message | Should -Match 'WhatIf'
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 0
    }

    It 'tags the images with the sample''s metadata, uploads them, then starts the analytics' {
        $folder = New-UploadFolder -Names 'p1.dcm', 'p [2].dcm'
        $metadata = Get-SampleMetadata -SampleId 'ref0000022tes-cbc' @script:Md
        $results = @(Get-ChildItem $folder | Set-DicomTags -Metadata $metadata -AttemptNumber 7 | Send-DicomFile -Uri $script:RawUri @script:Up)
        $job = $metadata | Start-SampleAnalytics @script:An

        $results.Count | Should -Be 2
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        $stored = Get-LabInstance $script:Server | Where-Object { $results.SopInstanceUid -contains $_.SOPInstanceUID }
        @($stored).Count | Should -Be 2
        $stored.PatientID | Sort-Object -Unique | Should -Be 'ref0000022tes-cbc-007'
        $job.status | Should -Be 'queued'
        $job.request_type | Should -Be 'CBC'
    }

    It 'writes one result per input: damaged files Set-DicomTags could not tag are NotSent, in their place (issue 9 item 21)' {
        $folder = New-UploadFolder -Names 'a1.dcm', 'a2.dcm', 'a4.dcm', 'a6.dcm', 'a7.dcm'
        Set-Content -LiteralPath (Join-Path $folder 'a3.dcm') -Value 'not DICOM'
        Set-Content -LiteralPath (Join-Path $folder 'a5.dcm') -Value 'not DICOM either'
        $metadata = Get-SampleMetadata -SampleId 'ref0000022tes-cbc' @script:Md
        $results = @(Get-ChildItem $folder | Sort-Object Name | Set-DicomTags -Metadata $metadata -AttemptNumber 3 -ErrorAction SilentlyContinue |
            Send-DicomFile -Uri $script:RawUri @script:Up 3>$null)
        $results.Count | Should -Be 7
        $results.Name | Should -Be @('a1.dcm', 'a2.dcm', 'a3.dcm', 'a4.dcm', 'a5.dcm', 'a6.dcm', 'a7.dcm')
        ($results | Where-Object Status -EQ 'NotSent').Name | Should -Be @('a3.dcm', 'a5.dcm')
        ($results | Where-Object Status -EQ 'NotSent').Message | ForEach-Object { $_ | Should -Match 'Set-DicomTags failed' }
        @($results | Where-Object Status -EQ 'Stored').Count | Should -Be 5
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 5
    }

    It 'warns when a file it just re-tagged comes back AlreadyStored (the server kept its old copy)' {
        $folder = New-UploadFolder 1
        $metadata = Get-SampleMetadata -SampleId 'ref0000022tes-cbc' @script:Md
        $null = Get-ChildItem $folder | Set-DicomTags -Metadata $metadata -AttemptNumber 9 | Send-DicomFile -Uri $script:RawUri @script:Up
        # Same PatientID and UIDs, another tag changed: the server keeps what it has.
        $result = Get-ChildItem $folder | Set-DicomTags -Metadata $metadata -AttemptNumber 9 -Tag @{ PatientAge = '004Y' } |
            Send-DicomFile -Uri $script:RawUri @script:Up -WarningVariable warnings 3>$null
        $result.Status | Should -Be 'AlreadyStored'
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match 'AttemptNumber'
    }
}
