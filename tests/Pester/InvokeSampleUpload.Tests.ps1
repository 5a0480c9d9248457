# Invoke-SampleUpload end to end against the reference lab server: the whole run, its log, its exit code,
# its settings, and that no secret leaks anywhere.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildProcess.ps1')
    Import-Module $script:ModulePath -Force

    # Distinctive keys: the secrets test greps every output for them.
    $script:Keys = @{ MdKey = 'mdK3y-Zq81-SECRET'; UploadKey = 'upK3y-Wv27-SECRET'; AnalyticsKey = 'anK3y-Px64-SECRET'; LogKey = 'lgK3y-Tr95-SECRET' }
    $script:Server = Start-LabServer -Keys $script:Keys
    $script:SettingNames = 'MD_URL', 'MD_KEY', 'U_URL', 'U_KEY', 'A_URL', 'A_KEY', 'LOG_URL', 'LOG_KEY', 'LOG_LEVEL'
    $script:LineFormat = '^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} \| \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \| \S.*$'

    function Set-RunSettings([switch] $NoLogUrl) {
        $env:MD_URL = "$($script:Server.Url)/api/metadata"; $env:MD_KEY = $script:Keys.MdKey
        $env:U_URL = "$($script:Server.Url)/api/upload"; $env:U_KEY = $script:Keys.UploadKey
        $env:A_URL = "$($script:Server.Url)/api/analytics"; $env:A_KEY = $script:Keys.AnalyticsKey
        if (-not $NoLogUrl) { $env:LOG_URL = "$($script:Server.Url)/api/logs"; $env:LOG_KEY = $script:Keys.LogKey }
    }

    function Clear-RunSettings { foreach ($name in $script:SettingNames) { Remove-Item "env:$name" -ErrorAction Ignore } }

    # A run folder with $Count small DICOM files (unique UIDs) at two depths, plus a file that is not DICOM.
    function New-RunFolder([int] $Count = 3) {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'data/series2')
        $root = '2.25.' + [System.Numerics.BigInteger]::new([guid]::NewGuid().ToByteArray() + [byte] 0)
        $script:LastUidRoot = $root
        for ($i = 1; $i -le $Count; $i++) {
            $sub = if ($i % 2) { 'data' } else { 'data/series2' }
            $ext = if ($i -eq 2) { '.DCM' } else { '.dcm' }
            New-TestDicomFile -Path (Join-Path $folder "$sub/img$i$ext") -SopInstanceUid "$root.$i" -StudyInstanceUid "$root.100" -SeriesInstanceUid "$root.100.$($i % 2)" -PatientId 'OLD-ID' | Out-Null
        }
        Set-Content -LiteralPath (Join-Path $folder 'data/notes.txt') -Value 'not an image'
        $folder
    }

    # Runs a command line in a new pwsh, as a scheduled task would; returns its exit code and output.
    function Invoke-InChildPwsh([string] $Command, [string] $WorkingDirectory) {
        $pwsh = Get-ChildPwshCommand
        $full = "Import-Module '$($script:ModulePath)'; Set-Location -LiteralPath '$WorkingDirectory'; $Command"
        $exeArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $full)
        $output = & $pwsh[0] @exeArgs 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }

    # Runs Invoke-SampleUpload in this session; returns the summary and the terminating error (or $null).
    function Invoke-Run([hashtable] $Parameters) {
        $summary = $null; $failure = $null
        try { Invoke-SampleUpload @Parameters -OutVariable summary | Out-Null }
        catch { $failure = $_ }
        [pscustomobject]@{ Summary = $summary | Select-Object -First 1; Error = $failure }
    }

    $script:Fast = @{ RetryIntervalSec = 0.05 }
}

AfterAll {
    Clear-RunSettings
    if ($script:Server) { Stop-LabServer $script:Server }
}

Describe 'Invoke-SampleUpload' -Tag 'Run' {
    BeforeEach {
        Clear-RunSettings
        Clear-LabJournal $script:Server
        Clear-LabFault $script:Server
    }
    AfterEach { Pop-Location -ErrorAction Ignore }

    It 'runs a clean sample: exact counts, analytics once with the test type, the log file in the original format' {
        Set-RunSettings
        $folder = New-RunFolder -Count 3
        Push-Location $folder
        $run = Invoke-Run @{ Directory = './data' }

        $run.Error | Should -BeNullOrEmpty
        $s = $run.Summary
        $s.PSObject.TypeNames[0] | Should -Be 'DicomTools.Cmdlets.SampleRunSummary'
        $s.SampleId | Should -Be 'ref0000022tes-cbc'
        $s.PatientId | Should -Be 'ref0000022tes-cbc-001'
        @($s.FilesFound, $s.Updated, $s.Unchanged, $s.Uploaded, $s.AlreadyStored, $s.Failed) | Should -Be @(3, 3, 0, 3, 0, 0)
        $s.Succeeded | Should -BeTrue
        $s.Analytics.status | Should -Be 'queued'
        $s.Analytics.request_type | Should -Be 'CBC'

        $analytics = @(Get-LabJournal $script:Server -Endpoint analytics)
        $analytics.Count | Should -Be 1
        $analytics[0].Query | Should -Match 'request_type=CBC'
        $analytics[0].Query | Should -Match 'sample_id=ref0000022tes-cbc'
        @(Get-LabJournal $script:Server -Endpoint logs).Count | Should -Be 0   # a good run sends no log

        $mine = @(Get-LabInstance $script:Server | Where-Object { $_.SOPInstanceUID.StartsWith($script:LastUidRoot + '.') })
        $mine.Count | Should -Be 3
        $mine.PatientID | Sort-Object -Unique | Should -Be 'ref0000022tes-cbc-001'

        $s.LogPath | Should -Be (Join-Path $folder 'ref0000022tes-cbc-1.log')
        $lines = Get-Content -LiteralPath $s.LogPath
        $lines | ForEach-Object { $_ | Should -Match $script:LineFormat }
        $lines | Should -Contain ($lines | Where-Object { $_ -match '\| \[INFO\] \| Found 3 DICOM file\(s\)$' })
        ($lines -match '\[INFO\] \| Metadata for ref0000022tes-cbc: patient Rex\^Bobby, Canine, test CBC, clinic Clínica Veterinária São João').Count | Should -Be 1
        ($lines -match '\[INFO\] \| Stored .*img\d\.(dcm|DCM)').Count | Should -Be 3
        ($lines -match '\[INFO\] \| Analytics started for ref0000022tes-cbc \(request type CBC\)').Count | Should -Be 1
        $lines[-1] | Should -Match '\[INFO\] \| Summary: sample ref0000022tes-cbc, attempt 1, PatientID ref0000022tes-cbc-001: 3 found, 3 updated, 0 unchanged, 3 uploaded, 0 already stored, 0 failed; analytics started; .* SUCCEEDED$'
    }

    It 'a second run with the same attempt finds the files unchanged and already stored, and starts analytics again' {
        Set-RunSettings
        $folder = New-RunFolder -Count 2
        Push-Location $folder
        (Invoke-Run @{ Directory = './data' }).Summary.Succeeded | Should -BeTrue
        Clear-LabJournal $script:Server

        $again = Invoke-Run @{ Directory = './data' }
        $again.Error | Should -BeNullOrEmpty
        @($again.Summary.Updated, $again.Summary.Unchanged, $again.Summary.Uploaded, $again.Summary.AlreadyStored, $again.Summary.Failed) | Should -Be @(0, 2, 0, 2, 0)
        $again.Summary.Succeeded | Should -BeTrue
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 1
        # The same log file, appended to: both runs' summaries are in it.
        (Get-Content -LiteralPath $again.Summary.LogPath | Where-Object { $_ -match '\| Summary: ' }).Count | Should -Be 2
    }

    It 'fails on a metadata error: nothing uploaded, no analytics, non-zero exit code from pwsh -Command, log sent' {
        Set-RunSettings
        $folder = New-RunFolder -Count 2
        $before = Get-ChildItem $folder/data -Recurse -Filter *.dcm | Get-FileHash

        $child = Invoke-InChildPwsh -WorkingDirectory $folder -Command 'Invoke-SampleUpload -SampleId no-such-sample -Directory ./data'

        $child.ExitCode | Should -Not -Be 0
        $child.Output | Should -Match 'no-such-sample'
        @(Get-LabJournal $script:Server -Endpoint metadata).Count | Should -Be 1     # 404 is not retried
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 0
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 0
        (Get-ChildItem $folder/data -Recurse -Filter *.dcm | Get-FileHash).Hash | Should -Be $before.Hash

        $sent = @(Get-LabLog $script:Server | Where-Object SampleId -EQ 'no-such-sample')
        $sent.Count | Should -Be 1
        $sent[0].Attempt | Should -Be '1'
        $sent[0].Text | Should -Be (Get-Content -Raw -LiteralPath (Join-Path $folder 'no-such-sample-1.log')).Substring(0, $sent[0].Text.Length)
        $sent[0].Text | Should -Match '\[ERROR\] \| Could not get the metadata of sample no-such-sample'
        $sent[0].Text | Should -Match 'Summary: .* FAILED'
    }

    It 'fails when one upload keeps failing: the summary names the file, no analytics, the log is sent' {
        Set-RunSettings
        $folder = New-RunFolder -Count 3
        Push-Location $folder
        # One worker, three answers of 503: the first file uses up its 3 attempts, the others go through.
        Set-LabFault $script:Server -Endpoint upload -Mode Status -StatusCode 503 -Count 3
        $run = Invoke-Run (@{ Directory = './data'; ThrottleLimit = 1; MaximumRetryCount = 2 } + $script:Fast)

        $run.Error | Should -Not -BeNullOrEmpty
        $run.Error.FullyQualifiedErrorId | Should -Match '^DicomTools\.SampleRunFailed\.Upload'
        $run.Error.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $s = $run.Summary
        $s.Succeeded | Should -BeFalse
        @($s.FilesFound, $s.Uploaded, $s.Failed) | Should -Be @(3, 2, 1)
        # Files go out in ordinal path order; with one worker the first one meets all three 503s.
        [string[]] $paths = (Get-ChildItem ./data -Recurse -File | Where-Object { $_.Extension -ieq '.dcm' }).FullName
        [Array]::Sort($paths, [StringComparer]::Ordinal)
        $s.FailedFiles.Count | Should -Be 1
        $s.FailedFiles[0].Path | Should -Be $paths[0]
        $s.FailedFiles[0].Stage | Should -Be 'Upload'
        $run.Error.Exception.Message | Should -Match ([regex]::Escape($s.FailedFiles[0].Path))
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 0
        $s.LogSubmitted | Should -BeTrue
        @(Get-LabLog $script:Server | Where-Object { $_.SampleId -eq 'ref0000022tes-cbc' -and $_.Text -match [regex]::Escape($s.FailedFiles[0].Path) }).Count | Should -BeGreaterThan 0
    }

    It 'passes -Atomic on: every file in one all-or-nothing ZIP request' {
        Set-RunSettings
        $folder = New-RunFolder -Count 3
        Push-Location $folder
        $run = Invoke-Run @{ Directory = './data'; Atomic = $true; UploadUri = "$($script:Server.Url)/api/upload/archive"; ServerKind = 'AllOrNothing' }
        $run.Error | Should -BeNullOrEmpty
        @($run.Summary.Uploaded, $run.Summary.Failed) | Should -Be @(3, 0)
        @(Get-LabJournal $script:Server -Endpoint archive).Count | Should -Be 1
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 0
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 1
    }

    It 'succeeds through transient faults on every API, and the log shows each retry' {
        Set-RunSettings
        $folder = New-RunFolder -Count 2
        Push-Location $folder
        Set-LabFault $script:Server -Endpoint metadata -Mode Status -StatusCode 503 -Count 1
        Set-LabFault $script:Server -Endpoint upload -Mode Status -StatusCode 502 -Count 2
        Set-LabFault $script:Server -Endpoint analytics -Mode Status -StatusCode 429 -Count 1 -RetryAfterSec 0

        $run = Invoke-Run (@{ Directory = './data'; ThrottleLimit = 1; MaximumRetryCount = 3 } + $script:Fast)

        $run.Error | Should -BeNullOrEmpty
        $run.Summary.Succeeded | Should -BeTrue
        $run.Summary.Uploaded | Should -Be 2
        $log = Get-Content -LiteralPath $run.Summary.LogPath
        ($log -match "Metadata request for sample 'ref0000022tes-cbc': attempt 1/4 failed: .*503.*retrying in").Count | Should -Be 1
        ($log -match "Upload of 'img\d\.(dcm|DCM)': attempt [12]/4 failed: .*502.*retrying in").Count | Should -Be 2
        ($log -match "Analytics request 'CBC' for sample 'ref0000022tes-cbc': attempt 1/4 failed: .*429.*retrying in").Count | Should -Be 1
        @(Get-LabJournal $script:Server -Endpoint analytics | Where-Object StatusCode -EQ 200).Count | Should -Be 1
    }

    It 'reads a .env file as python-dotenv does; environment beats .env, parameters beat both' {
        $folder = New-RunFolder -Count 1
        Push-Location $folder
        @(
            '# lab settings'
            "export MD_URL=$($script:Server.Url)/api/metadata   # inline comment"
            "MD_KEY=`"$($script:Keys.MdKey)`""
            "U_URL='$($script:Server.Url)/api/upload'"
            "U_KEY=$($script:Keys.UploadKey)"
            ''
            "A_URL=$($script:Server.Url)/api/analytics"
            "A_KEY=$($script:Keys.AnalyticsKey)"
            'LOG_LEVEL=DEBUG'
        ) | Set-Content -LiteralPath ./.env
        $run = Invoke-Run @{ Directory = './data' }
        $run.Error | Should -BeNullOrEmpty
        $run.Summary.EnvFile | Should -Be (Join-Path $folder '.env')
        Get-Content -LiteralPath $run.Summary.LogPath | Where-Object { $_ -match '\[DEBUG\]' } | Should -Not -BeNullOrEmpty   # LOG_LEVEL from .env

        # The environment wins over .env: a wrong key there is used, and refused.
        $env:MD_KEY = 'wrong-key-from-environment'
        $wrong = Invoke-Run @{ Directory = './data'; AttemptNumber = 2 }
        $wrong.Error.FullyQualifiedErrorId | Should -Match '^DicomTools\.SampleRunFailed\.Metadata'
        $wrong.Error.CategoryInfo.Category | Should -Be 'PermissionDenied'

        # A parameter wins over the environment.
        $right = Invoke-Run @{ Directory = './data'; AttemptNumber = 3; MetadataApiKey = (ConvertTo-SecureString $script:Keys.MdKey -AsPlainText -Force) }
        $right.Error | Should -BeNullOrEmpty
        $right.Summary.PatientId | Should -Be 'ref0000022tes-cbc-003'

        # -EnvFile names another file; a missing one is an error before anything happens.
        Remove-Item env:MD_KEY
        Move-Item ./.env ./lab.env
        (Invoke-Run @{ Directory = './data'; AttemptNumber = 4; EnvFile = './lab.env' }).Error | Should -BeNullOrEmpty
        { Invoke-SampleUpload -Directory ./data -EnvFile ./nope.env } | Should -Throw -ErrorId 'DicomTools.EnvFileNotFound,DicomTools.Cmdlets.Commands.InvokeSampleUploadCommand'
    }

    It 'names every missing setting, by variable and parameter, before touching any file' {
        $folder = New-RunFolder -Count 1
        Push-Location $folder
        $env:MD_URL = "$($script:Server.Url)/api/metadata"
        $env:U_KEY = $script:Keys.UploadKey
        $before = Get-ChildItem ./data -Recurse -Filter *.dcm | Get-FileHash

        $run = Invoke-Run @{ Directory = './data' }

        $run.Error.FullyQualifiedErrorId | Should -Be 'DicomTools.MissingSetting,DicomTools.Cmdlets.Commands.InvokeSampleUploadCommand'
        $run.Error.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $message = $run.Error.Exception.Message
        foreach ($expected in 'MD_KEY', '-MetadataApiKey', 'U_URL', '-UploadUri', 'A_URL', '-AnalyticsUri', 'A_KEY', '-AnalyticsApiKey') { $message | Should -Match ([regex]::Escape($expected)) }
        $message | Should -Not -Match 'MD_URL'
        $message | Should -Not -Match 'U_KEY'
        $run.Summary | Should -BeNullOrEmpty
        Test-Path ./ref0000022tes-cbc-1.log | Should -BeFalse
        (Get-ChildItem ./data -Recurse -Filter *.dcm | Get-FileHash).Hash | Should -Be $before.Hash
        @(Get-LabJournal $script:Server).Count | Should -Be 0
    }

    It 'refuses a LOG_LEVEL it does not know, naming where it came from, before opening a log' {
        Set-RunSettings
        $folder = New-RunFolder -Count 1
        Push-Location $folder
        $env:LOG_LEVEL = 'LOUD'
        $run = Invoke-Run @{ Directory = './data' }
        $run.Error.FullyQualifiedErrorId | Should -Be 'DicomTools.InvalidLogLevel,DicomTools.Cmdlets.Commands.InvokeSampleUploadCommand'
        $run.Error.Exception.Message | Should -Match "'LOUD' from environment variable LOG_LEVEL is not a log level"
        Test-Path ./ref0000022tes-cbc-1.log | Should -BeFalse
        @(Get-LabJournal $script:Server).Count | Should -Be 0

        # Python's names work, and -LogLevel wins over LOG_LEVEL.
        $ok = Invoke-Run @{ Directory = './data'; LogLevel = 'WARNING' }
        $ok.Error | Should -BeNullOrEmpty
        Get-Content ./ref0000022tes-cbc-1.log | Where-Object { $_ -match '\[INFO\]' } | Should -BeNullOrEmpty
    }

    It 'fails with a clear message when the folder has no DICOM files, before asking any server' {
        Set-RunSettings -NoLogUrl
        $folder = Join-Path $TestDrive 'empty'
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'data')
        Set-Content -LiteralPath (Join-Path $folder 'data/readme.txt') -Value 'no images here'
        Push-Location $folder

        $run = Invoke-Run @{ Directory = './data' }

        $run.Error.FullyQualifiedErrorId | Should -Match '^DicomTools\.SampleRunFailed\.Files'
        $run.Error.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $run.Error.Exception.Message | Should -Match 'No DICOM files \(\*\.dcm\) found under'
        $run.Summary.FilesFound | Should -Be 0
        @(Get-LabJournal $script:Server).Count | Should -Be 0
        Get-Content ./ref0000022tes-cbc-1.log -Raw | Should -Match '\[ERROR\] \| No DICOM files'
    }

    It 'makes a failed run''s summary the error record''s TargetObject, so catch { $_.TargetObject } has it' {
        Set-RunSettings -NoLogUrl
        $folder = New-RunFolder -Count 2
        Push-Location $folder
        Set-LabFault $script:Server -Endpoint upload -Mode Status -StatusCode 503 -Count 0

        $run = Invoke-Run (@{ Directory = './data'; MaximumRetryCount = 0 } + $script:Fast)
        $run.Error.FullyQualifiedErrorId | Should -Match '^DicomTools\.SampleRunFailed\.Upload,'
        $target = $run.Error.TargetObject
        $target.GetType().FullName | Should -Be 'DicomTools.Cmdlets.SampleRunSummary'
        $target.Succeeded | Should -BeFalse
        $target.Failed | Should -Be 2
        $target.FailedStage | Should -Be 'Upload'
        $target.LogPath | Should -Be $run.Summary.LogPath

        # As a scheduled script writes it, in a non-interactive pwsh: the assignment is lost, the catch has the summary.
        $child = Invoke-InChildPwsh -WorkingDirectory $folder -Command @'
$s = $null
try { $s = Invoke-SampleUpload -Directory ./data -AttemptNumber 2 -MaximumRetryCount 0 -RetryIntervalSec 0.05 -ErrorAction Stop }
catch { "ASSIGNED:$($null -ne $s)"; $t = $_.TargetObject; "SUMMARY:$($t.SampleId)|$($t.AttemptNumber)|$($t.Succeeded)|$($t.FailedStage)|$($t.Failed)" }
'@
        $child.Output | Should -Match 'ASSIGNED:False'
        $child.Output | Should -Match 'SUMMARY:ref0000022tes-cbc\|2\|False\|Upload\|2'
    }

    It 'runs to the end with -Debug in pwsh -NonInteractive: warnings and debug lines are written, never prompted' {
        Set-RunSettings -NoLogUrl
        $env:LOG_URL = "$($script:Server.Url)/api/logs"   # without LOG_KEY: the run starts with a warning
        $folder = New-RunFolder -Count 2
        Set-LabFault $script:Server -Endpoint upload -Mode Status -StatusCode 503 -Count 0
        $streams = @'
| ForEach-Object { "STREAM:$($_.GetType().Name):$_" }
'@.Trim()

        $failed = Invoke-InChildPwsh -WorkingDirectory $folder -Command (@'
try { Invoke-SampleUpload -Directory ./data -MaximumRetryCount 0 -RetryIntervalSec 0.05 -Debug -ErrorAction Stop *>&1 STREAMS }
catch { "ERROR:$($_.FullyQualifiedErrorId)|$($_.Exception.GetType().Name)"; "SUMMARY:$($_.TargetObject.Succeeded)|$($_.TargetObject.FailedStage)"; exit 1 }
'@).Replace('STREAMS', $streams)

        $failed.Output | Should -Not -Match 'PSInvalidOperationException|NonInteractive mode'
        $failed.Output | Should -Match 'STREAM:WarningRecord:LOG_URL is set'
        $failed.Output | Should -Match 'STREAM:DebugRecord:'
        $failed.Output | Should -Match 'ERROR:DicomTools\.SampleRunFailed\.Upload,'
        $failed.Output | Should -Match 'SUMMARY:False\|Upload'
        $failed.ExitCode | Should -Be 1

        Clear-LabFault $script:Server
        $succeeded = Invoke-InChildPwsh -WorkingDirectory $folder -Command (@'
Invoke-SampleUpload -Directory ./data -AttemptNumber 2 -Debug *>&1 STREAMS
'@).Replace('STREAMS', $streams)
        $succeeded.Output | Should -Not -Match 'PSInvalidOperationException|NonInteractive mode'
        $succeeded.Output | Should -Match 'STREAM:WarningRecord:LOG_URL is set'
        $succeeded.Output | Should -Match 'STREAM:SampleRunSummary:ref0000022tes-cbc attempt 2: succeeded'
        $succeeded.ExitCode | Should -Be 0
    }

    It 'never shows a key: not in any stream, error record, log file or log sent' {
        $folder = New-RunFolder -Count 2
        Push-Location $folder
        Set-RunSettings
        # Keys as parameters too (SecureString), and a server that fails uploads and echoes what it got.
        $secure = @{
            MetadataApiKey  = ConvertTo-SecureString $script:Keys.MdKey -AsPlainText -Force
            AnalyticsApiKey = ConvertTo-SecureString $script:Keys.AnalyticsKey -AsPlainText -Force
        }
        Set-LabFault $script:Server -Endpoint upload -Mode Status -StatusCode 503 -Count 0
        $Error.Clear()
        $everything = & {
            Invoke-Run (@{ Directory = './data'; Verbose = $true; Debug = $true; MaximumRetryCount = 1 } + $script:Fast + $secure)
        } *>&1 5>&1 | Out-String -Width 500
        Clear-LabFault $script:Server
        $clean = & { Invoke-Run (@{ Directory = './data'; AttemptNumber = 2; Verbose = $true; Debug = $true } + $secure) } *>&1 | Out-String -Width 500
        $wrongKey = & { Invoke-Run @{ Directory = './data'; AttemptNumber = 3; UploadApiKey = (ConvertTo-SecureString 'wr0ng-Upl0ad-SECRET' -AsPlainText -Force); Verbose = $true } } *>&1 | Out-String -Width 500
        $errors = $Error | ForEach-Object { $_ | Format-List * -Force | Out-String -Width 500; $_.Exception.ToString(); if ($_.ErrorDetails) { $_.ErrorDetails.Message } }
        $logs = Get-ChildItem -LiteralPath $folder -Filter *.log | Get-Content -Raw
        $sent = Get-LabLog $script:Server | ForEach-Object Text

        $everything | Should -Match 'attempt 1/2 failed'   # the run did log the failures the keys could leak through
        ($logs -join "`n") | Should -Match 'Summary:'
        foreach ($text in @($everything, $clean, $wrongKey, ($errors -join "`n"), ($logs -join "`n"), ($sent -join "`n"))) {
            foreach ($key in @($script:Keys.Values) + 'wr0ng-Upl0ad-SECRET') { $text | Should -Not -Match ([regex]::Escape($key)) }
        }
    }
}

Describe 'Invoke-SampleUpload -WhatIf' -Tag 'Run' {
    BeforeEach {
        Clear-RunSettings
        Clear-LabJournal $script:Server
        Clear-LabFault $script:Server
    }
    AfterEach { Pop-Location -ErrorAction Ignore }

    It 'fetches the metadata, shows each file''s tag changes and the upload, and changes nothing anywhere' {
        Set-RunSettings
        $folder = New-RunFolder -Count 3
        Push-Location $folder
        $before = Get-ChildItem -LiteralPath $folder -Recurse -Force -File | Get-FileHash
        $names = (Get-ChildItem -LiteralPath $folder -Recurse -Force).FullName

        # "What if:" lines go to the host, which only a child process's output shows.
        $whatIf = (Invoke-InChildPwsh -WorkingDirectory $folder -Command 'Invoke-SampleUpload -Directory ./data -WhatIf -Verbose').Output -replace '\s*\r?\n\s*', ' '
        $results = @(Invoke-SampleUpload -Directory ./data -WhatIf)

        # Each file's changes, as Set-DicomTags -WhatIf shows them, from the same engine.
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'DicomTools.Cmdlets.TagUpdateResult' }
        $results.Status | Sort-Object -Unique | Should -Be 'WhatIf'
        foreach ($r in $results) {
            ($r.Changes | Where-Object Keyword -EQ 'PatientID').NewValue | Should -Be 'ref0000022tes-cbc-001'
            ($r.Changes | Where-Object Keyword -EQ 'PatientID').OldValue | Should -Be 'OLD-ID'
        }
        $whatIf | Should -Match "What if: .*PatientID 'OLD-ID' -> 'ref0000022tes-cbc-001'"
        $whatIf | Should -Match 'img1\.dcm'
        $whatIf | Should -Match 'Upload 3 file\(s\)'
        $whatIf | Should -Match 'http://127\.0\.0\.1:\d+/api/upload'
        $whatIf | Should -Match 'with protocol Raw'
        $whatIf | Should -Match 'Start analytics'
        $whatIf | Should -Match 'no log file is written'

        # Nothing changed: same files, same bytes, no lock, no log, no temp file; only the metadata GETs reached the server.
        (Get-ChildItem -LiteralPath $folder -Recurse -Force).FullName | Should -Be $names
        (Get-ChildItem -LiteralPath $folder -Recurse -Force -File | Get-FileHash).Hash | Should -Be $before.Hash
        Test-Path (Join-Path $folder 'ref0000022tes-cbc-1.log') | Should -BeFalse
        $journal = @(Get-LabJournal $script:Server)
        $journal.Count | Should -Be 2
        $journal.Endpoint | Sort-Object -Unique | Should -Be 'metadata'
        $journal.Method | Sort-Object -Unique | Should -Be 'GET'
    }

    It 'with a dicom:// upload URL names the archive and C-STORE, needs no U_KEY, and opens no association' {
        Set-RunSettings
        Remove-Item env:U_KEY
        # A listener that only counts: a dry run must never connect to the archive.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $env:U_URL = "dicom://ARCHIVE@127.0.0.1:$port"
            $folder = New-RunFolder -Count 2
            Push-Location $folder
            $before = Get-ChildItem -LiteralPath $folder -Recurse -Force -File | Get-FileHash

            $whatIf = (Invoke-InChildPwsh -WorkingDirectory $folder -Command 'Invoke-SampleUpload -Directory ./data -WhatIf').Output -replace '\s*\r?\n\s*', ' '
            $results = @(Invoke-SampleUpload -Directory ./data -WhatIf)

            $results.Status | Sort-Object -Unique | Should -Be 'WhatIf'
            $whatIf | Should -Match "Upload 2 file\(s\) \([\d.]+ MB\) to dicom://ARCHIVE@127\.0\.0\.1:$port \(calling AE title DICOMTOOLS\) with protocol Dimse \(DICOM C-STORE over \d+ association\(s\)\)"
            $whatIf | Should -Not -Match 'U_KEY'
            $listener.Pending() | Should -BeFalse
            (Get-ChildItem -LiteralPath $folder -Recurse -Force -File | Get-FileHash).Hash | Should -Be $before.Hash
            $journal = @(Get-LabJournal $script:Server)
            $journal.Endpoint | Sort-Object -Unique | Should -Be 'metadata'
        }
        finally { $listener.Stop() }
    }

    It 'names missing settings as the real run does, and says when the real run would fail' {
        $folder = New-RunFolder -Count 1
        Push-Location $folder
        $env:MD_URL = "$($script:Server.Url)/api/metadata"
        { Invoke-SampleUpload -Directory ./data -WhatIf } | Should -Throw -ExpectedMessage '*U_URL*'

        Set-RunSettings
        $null = Invoke-SampleUpload -SampleId no-such-sample -Directory ./data -WhatIf -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Match '^DicomTools.WhatIfFoundProblem'
        $problems[0].Exception.Message | Should -Match 'no-such-sample'
        @(Get-LabJournal $script:Server -Endpoint upload).Count | Should -Be 0
        @(Get-LabJournal $script:Server -Endpoint logs).Count | Should -Be 0
        Test-Path (Join-Path $folder 'no-such-sample-1.log') | Should -BeFalse
    }
}

Describe 'Invoke-SampleUpload with many samples' -Tag 'Run' {
    BeforeEach {
        Clear-RunSettings
        Clear-LabJournal $script:Server
        Clear-LabFault $script:Server
    }
    AfterEach { Pop-Location -ErrorAction Ignore }

    It 'runs every row of a CSV; one failing sample does not stop the others; the end error names it' {
        Set-RunSettings
        $root = Join-Path $TestDrive ('batch-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $null = New-Item -ItemType Directory -Path $root
        $a = New-RunFolder -Count 2; $b = New-RunFolder -Count 1; $c = New-RunFolder -Count 2
        # Headers as a lab's export has them: sample_id, dir, attempt_number.
        @(
            [pscustomobject]@{ sample_id = 'ref0000022tes-cbc'; dir = "$a/data"; attempt_number = '1' }
            [pscustomobject]@{ sample_id = 'no-such-sample'; dir = "$b/data"; attempt_number = '1' }
            [pscustomobject]@{ sample_id = 'ref0000022tes-cbc'; dir = "$c/data"; attempt_number = '2' }
        ) | Export-Csv -LiteralPath (Join-Path $root 'samples.csv')
        Push-Location $root

        $summaries = $null; $final = $null
        # -ErrorAction Continue: the test runner's preference is Stop, which (as documented) stops a batch at its first failure.
        try { Import-Csv ./samples.csv | Invoke-SampleUpload @script:Fast -OutVariable summaries -ErrorVariable perSample -ErrorAction Continue 2>$null | Out-Null }
        catch { $final = $_ }

        @($summaries).Count | Should -Be 3
        $summaries.SampleId | Should -Be @('ref0000022tes-cbc', 'no-such-sample', 'ref0000022tes-cbc')
        $summaries.Succeeded | Should -Be @($true, $false, $true)
        $summaries[2].PatientId | Should -Be 'ref0000022tes-cbc-002'
        @($perSample | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -like 'DicomTools.SampleRunFailed.*' }).Count | Should -Be 1
        $final.FullyQualifiedErrorId | Should -Match '^DicomTools.SampleRunsFailed'
        $final.Exception.Message | Should -Match '1 of 3 samples failed: no-such-sample \(attempt 1\)'
        $final.TargetObject.SampleId | Should -Be 'no-such-sample'
        # A log file per sample, as for single runs.
        Test-Path (Join-Path $root 'ref0000022tes-cbc-1.log') | Should -BeTrue
        Test-Path (Join-Path $root 'no-such-sample-1.log') | Should -BeTrue
        Test-Path (Join-Path $root 'ref0000022tes-cbc-2.log') | Should -BeTrue
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 2
        # The locks were released after each sample.
        Get-ChildItem -Force -Recurse $a, $b, $c -Filter .dicomtools.lock | Should -BeNullOrEmpty

        # -ErrorAction SilentlyContinue: the caller reads failures from the error stream; no terminating error.
        { Import-Csv ./samples.csv | Invoke-SampleUpload @script:Fast -ErrorAction SilentlyContinue | Out-Null } | Should -Not -Throw
    }

    It 'exits 1 from pwsh -Command when one sample of the batch failed' {
        Set-RunSettings
        $a = New-RunFolder -Count 1; $b = New-RunFolder -Count 1
        $csv = Join-Path $a 'samples.csv'
        "SampleID,Directory`nref0000022tes-cbc,$b/data`nno-such-sample,$a/data" | Set-Content -LiteralPath $csv
        $child = Invoke-InChildPwsh -WorkingDirectory $a -Command "Import-Csv '$csv' | Invoke-SampleUpload -RetryIntervalSec 0.05"
        $child.ExitCode | Should -Be 1
        $child.Output | Should -Match 'no-such-sample'
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 1
    }
}
