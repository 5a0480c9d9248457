BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    Import-Module $script:ModulePath -Force

    $script:MdKey = 'Md-Zq9-distinctive-key-5520'
    $script:AnalyticsKey = 'An-Zq9-distinctive-key-6631'
    $script:Server = Start-LabServer -Keys @{ MdKey = $script:MdKey; AnalyticsKey = $script:AnalyticsKey }
    $script:MdUri = "$($script:Server.Url)/api/metadata"
    $script:AnalyticsUri = "$($script:Server.Url)/api/analytics"

    function ConvertTo-TestSecret([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }

    # Common arguments: fast retries so fault tests take a second, not minutes.
    $script:Md = @{ Uri = $script:MdUri; ApiKey = (ConvertTo-TestSecret $script:MdKey); RetryIntervalSec = 0.1 }
    $script:An = @{ Uri = $script:AnalyticsUri; ApiKey = (ConvertTo-TestSecret $script:AnalyticsKey); RetryIntervalSec = 0.1 }

    $script:SavedEnvironment = @{}
    foreach ($name in 'MD_URL', 'MD_KEY', 'A_URL', 'A_KEY') {
        $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
}

AfterAll {
    if ($script:Server) { Stop-LabServer $script:Server }
    foreach ($name in $script:SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnvironment[$name]) }
}

Describe 'Get-SampleMetadata' -Tag 'Http' {
    BeforeEach {
        Clear-LabFault $script:Server
        Clear-LabJournal $script:Server
    }

    It 'returns a SampleMetadata with the API''s fields, non-ASCII intact' {
        $metadata = Get-SampleMetadata -SampleId ref0000022tes-cbc @Md
        # By name: the Engine may live in a private load context where the type literal does not resolve.
        $metadata.GetType().FullName | Should -BeExactly 'DicomTools.Engine.Metadata.SampleMetadata'
        $metadata.SampleId | Should -BeExactly 'ref0000022tes-cbc'
        $metadata.PatientName | Should -BeExactly 'Rex^Bobby'
        $metadata.Species | Should -BeExactly 'Canine'
        $metadata.TestType | Should -BeExactly 'CBC'
        $metadata.ClinicName | Should -BeExactly 'Clínica Veterinária São João'
        $metadata.AdditionalFields['owner'] | Should -BeExactly 'Ana Souza'

        $seen = @(Get-LabJournal $script:Server -Endpoint metadata)
        $seen.Count | Should -Be 1
        $seen[0].Query | Should -Match 'sample_id=ref0000022tes-cbc'
        $seen[0].Query | Should -Match 'priority=2'
        $seen[0].Headers | Should -Not -Contain 'Expect'
    }

    It 'takes sample ids from the pipeline, by value and by property name' {
        $byValue = 'ref0000022tes-cbc', 'ascii0001-chem' | Get-SampleMetadata @Md
        $byValue.PatientName | Should -Be @('Rex^Bobby', 'Tom^Cat')
        $byProperty = [pscustomobject]@{ SampleId = 'ascii0001-chem' } | Get-SampleMetadata @Md
        $byProperty.Species | Should -BeExactly 'Feline'
    }

    It 'sends POST with -Method Post' {
        $null = Get-SampleMetadata ascii0001-chem -Method Post @Md
        (Get-LabJournal $script:Server -Endpoint metadata).Method | Should -Be 'POST'
    }

    It 'reports an unknown sample as ObjectNotFound naming the sample, and goes on with the next' {
        $results = 'no-such-sample', 'ascii0001-chem' | Get-SampleMetadata @Md -ErrorVariable failures -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 1
        $results.PatientName | Should -BeExactly 'Tom^Cat'
        $failures.Count | Should -Be 1
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.MetadataFailed.NotFound,*'
        $failures[0].TargetObject | Should -BeExactly 'no-such-sample'
        $failures[0].ToString() | Should -Match "'no-such-sample'"
        @(Get-LabJournal $script:Server -Endpoint metadata | Where-Object StatusCode -eq 404).Count | Should -Be 1
    }

    It 'reports a wrong key as PermissionDenied after one attempt, the key absent from errors and verbose output' {
        $wrongKey = 'WRONG-Zq9-key-never-printed-8812'
        $output = Get-SampleMetadata ref0000022tes-cbc -Uri $script:MdUri -ApiKey (ConvertTo-TestSecret $wrongKey) `
            -Verbose -ErrorVariable failures -ErrorAction SilentlyContinue 4>&1
        $failures.Count | Should -Be 1
        $failures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        @(Get-LabJournal $script:Server -Endpoint metadata).Count | Should -Be 1
        $everything = (@($output | Out-String) + @($failures | ForEach-Object { $_ | Out-String; $_.Exception.ToString(); $_.ErrorDetails.Message })) -join "`n"
        $everything | Should -Not -BeNullOrEmpty
        $everything | Should -Not -Match ([regex]::Escape($wrongKey))
        $everything | Should -Not -Match ([regex]::Escape($script:MdKey))
    }

    It 'retries a transient 503 and succeeds, one verbose line per retry' {
        Set-LabFault $script:Server -Endpoint metadata -Mode Status -StatusCode 503 -Count 2 -RetryAfterSec 1
        $output = Get-SampleMetadata ascii0001-chem @Md -Verbose 4>&1
        $metadata = $output | Where-Object { $_.GetType().FullName -eq 'DicomTools.Engine.Metadata.SampleMetadata' }
        $metadata.PatientName | Should -BeExactly 'Tom^Cat'
        $retryLines = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'retrying in' })
        $retryLines.Count | Should -Be 2
        $retryLines[0].Message | Should -Match 'attempt 1/3 failed: 503'
        $retryLines[1].Message | Should -Match 'attempt 2/3 failed: 503'
        (Get-LabJournal $script:Server -Endpoint metadata).StatusCode | Should -Be @(503, 503, 200)
        ($output | Out-String) | Should -Not -Match ([regex]::Escape($script:MdKey))
    }

    It 'gives up after -MaximumRetryCount retries (alias -BackoffAttempts) with ResourceUnavailable' {
        Set-LabFault $script:Server -Endpoint metadata -Mode Status -StatusCode 503
        $null = Get-SampleMetadata ascii0001-chem @Md -BackoffAttempts 1 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failures[0].Exception.Attempts | Should -Be 2
        @(Get-LabJournal $script:Server -Endpoint metadata).Count | Should -Be 2
    }

    It 'reports an answer that is not JSON as InvalidData' {
        Set-LabFault $script:Server -Endpoint metadata -Mode NonJson -Count 1
        $null = Get-SampleMetadata ascii0001-chem @Md -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $failures[0].ToString() | Should -Match 'not JSON'
    }

    It 'reports an answer lacking fields as InvalidData naming each missing field' {
        Add-LabSample $script:Server -SampleId partial-0001 -PatientName 'Rex^Partial' -TestType CBC -Extra @{ weight = 12.5 }
        $null = Get-SampleMetadata partial-0001 @Md -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $failures[0].TargetObject | Should -BeExactly 'partial-0001'
        $failures[0].ToString() | Should -Match "'request_species'"
        $failures[0].ToString() | Should -Match "'clinic-name'"
        $failures[0].ToString() | Should -Not -Match "'patient-name'"
    }

    It 'times out a slow answer per attempt with OperationTimeout' {
        Set-LabFault $script:Server -Endpoint metadata -Mode Slow -DelayMs 5000
        $null = Get-SampleMetadata ascii0001-chem @Md -TimeoutSec 0.3 -MaximumRetryCount 0 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failures[0].ToString() | Should -Match '-TimeoutSec'
    }

    It 'sends -Credential as HTTP Basic and -ApiKey in the header -ApiKeyHeader names' {
        $credential = [pscredential]::new('lab-user', (ConvertTo-TestSecret 'Pw-Zq9-basic-secret-3390'))
        $null = Get-SampleMetadata ascii0001-chem -Uri $script:MdUri -Credential $credential -ErrorVariable basicFailures -ErrorAction SilentlyContinue
        $null = Get-SampleMetadata ascii0001-chem -Uri $script:MdUri -ApiKey (ConvertTo-TestSecret $script:MdKey) -ApiKeyHeader 'X-Lab-Key' `
            -ErrorVariable headerFailures -ErrorAction SilentlyContinue
        $seen = @(Get-LabJournal $script:Server -Endpoint metadata)
        $seen[0].Headers | Should -Contain 'Authorization'
        $seen[0].Headers | Should -Not -Contain 'x-api-key'
        $seen[1].Headers | Should -Contain 'X-Lab-Key'
        # The lab server wants x-api-key: both are refused, once each, as PermissionDenied.
        $seen.StatusCode | Should -Be @(401, 401)
        $basicFailures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $headerFailures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        ($basicFailures | Out-String) | Should -Not -Match 'Pw-Zq9-basic-secret-3390'
    }

    It 'stops promptly when the pipeline is stopped (Ctrl+C) during a slow answer' {
        Set-LabFault $script:Server -Endpoint metadata -Mode Slow -DelayMs 30000
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath).AddStatement()
            $null = $ps.AddCommand('Get-SampleMetadata').AddParameter('SampleId', 'ascii0001-chem').AddParameter('Uri', $script:MdUri).
                AddParameter('ApiKey', (ConvertTo-TestSecret $script:MdKey)).AddParameter('TimeoutSec', 60)
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (@(Get-LabJournal $script:Server -Endpoint metadata).Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            @(Get-LabJournal $script:Server -Endpoint metadata).Count | Should -Be 1
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            # Stop() returns once the pipeline is stopping; the invocation's completion is signalled just after, on
            # another thread: wait for that event (the 5 s is a failure guard), then judge how long the whole stop took.
            $handle.AsyncWaitHandle.WaitOne(5000) | Should -BeTrue
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'rejects unusable retry settings and credentials before sending anything' {
        { Get-SampleMetadata ascii0001-chem @Md -RetryIntervalSec 3600.5 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Get-SampleMetadata ascii0001-chem @Md -TimeoutSec -2 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Get-SampleMetadata ascii0001-chem @Md -MaximumRetryCount 101 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        $colon = [pscredential]::new('lab:user', (ConvertTo-TestSecret 'pw-1234'))
        { Get-SampleMetadata ascii0001-chem -Uri $script:MdUri -Credential $colon -ErrorAction Stop } | Should -Throw -ErrorId 'DicomTools.InvalidCredential,*'
        { Get-SampleMetadata ascii0001-chem -Uri 'ftp://lab.example/x' -ApiKey (ConvertTo-TestSecret 'k-1234') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DicomTools.InvalidUri,*'
        @(Get-LabJournal $script:Server -Endpoint metadata).Count | Should -Be 0
    }

    Context 'settings from the environment' {
        AfterEach {
            foreach ($name in 'MD_URL', 'MD_KEY') { [Environment]::SetEnvironmentVariable($name, $null) }
        }

        It 'falls back to MD_URL and MD_KEY, and says so in verbose output without the key' {
            $env:MD_URL = $script:MdUri
            $env:MD_KEY = $script:MdKey
            $output = Get-SampleMetadata ascii0001-chem -Verbose 4>&1
            ($output | Where-Object { $_.GetType().FullName -eq 'DicomTools.Engine.Metadata.SampleMetadata' }).TestType | Should -BeExactly 'CHEM'
            $verbose = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
            $verbose | Should -Match 'from MD_URL'
            $verbose | Should -Match 'from MD_KEY'
            $verbose | Should -Not -Match ([regex]::Escape($script:MdKey))
        }

        It 'ends with a terminating error naming -Uri and MD_URL when no URL is set' {
            $env:MD_KEY = $script:MdKey
            $thrown = { Get-SampleMetadata ascii0001-chem -ErrorAction Stop } | Should -Throw -PassThru
            $thrown.FullyQualifiedErrorId | Should -BeLike 'DicomTools.MissingSetting.MD_URL,*'
            $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $thrown.ToString() | Should -Match '-Uri'
            $thrown.ToString() | Should -Match 'MD_URL'
        }

        It 'ends with a terminating error naming -ApiKey and MD_KEY when no key is set' {
            $thrown = { Get-SampleMetadata ascii0001-chem -Uri $script:MdUri -ErrorAction Stop } | Should -Throw -PassThru
            $thrown.FullyQualifiedErrorId | Should -BeLike 'DicomTools.MissingSetting.MD_KEY,*'
            $thrown.ToString() | Should -Match '-ApiKey'
            $thrown.ToString() | Should -Match 'MD_KEY'
            @(Get-LabJournal $script:Server -Endpoint metadata).Count | Should -Be 0
        }
    }
}

Describe 'One settings story for every HTTP cmdlet: parameter, environment, then -EnvFile or ./.env' -Tag 'Http', 'Settings' {
    BeforeAll {
        $script:UploadKey = $script:Server.Keys.UploadKey
        $script:LogKey = $script:Server.Keys.LogKey
    }
    BeforeEach {
        Clear-LabFault $script:Server
        Clear-LabJournal $script:Server
        $script:LabFolder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $script:LabFolder
        Push-Location $script:LabFolder
    }
    AfterEach {
        Pop-Location
        foreach ($name in 'MD_URL', 'MD_KEY', 'A_URL', 'A_KEY', 'U_URL', 'U_KEY', 'LOG_URL', 'LOG_KEY') { [Environment]::SetEnvironmentVariable($name, $null) }
    }

    It 'Get-SampleMetadata finds MD_URL and MD_KEY in ./.env, as an admin types it in the lab''s folder' {
        @(
            '# the north lab'
            "MD_URL=$($script:MdUri)"
            "MD_KEY='$($script:MdKey)'"
        ) | Set-Content -LiteralPath ./.env

        $output = Get-SampleMetadata ascii0001-chem -Verbose 4>&1
        $metadata = $output | Where-Object { $_.GetType().FullName -eq 'DicomTools.Engine.Metadata.SampleMetadata' }
        $metadata.TestType | Should -BeExactly 'CHEM'
        $verbose = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $verbose | Should -Match ([regex]::Escape("from MD_URL in $(Join-Path $script:LabFolder '.env')"))
        $verbose | Should -Not -Match ([regex]::Escape($script:MdKey))
        @(Get-LabJournal $script:Server -Endpoint metadata).Count | Should -Be 1
    }

    It 'the environment beats ./.env, and a parameter beats both' {
        "MD_URL=$($script:MdUri)`nMD_KEY=$($script:MdKey)" | Set-Content -LiteralPath ./.env
        $env:MD_KEY = 'wrong-Zq9-key-from-environment'
        $null = Get-SampleMetadata ascii0001-chem -MaximumRetryCount 0 -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        (Get-SampleMetadata ascii0001-chem -ApiKey (ConvertTo-TestSecret $script:MdKey)).TestType | Should -BeExactly 'CHEM'
    }

    It '-EnvFile names a lab''s profile from anywhere; a missing one stops before anything is sent' {
        $null = New-Item -ItemType Directory -Path ./labs
        "A_URL=$($script:AnalyticsUri)`nA_KEY=$($script:AnalyticsKey)" | Set-Content -LiteralPath ./labs/north.env
        Push-Location $TestDrive
        try {
            (Start-SampleAnalytics s-1 CBC -EnvFile (Join-Path $script:LabFolder 'labs/north.env')).status | Should -BeExactly 'queued'
            { Start-SampleAnalytics s-1 CBC -EnvFile ./labs/south.env -ErrorAction Stop } |
                Should -Throw -ErrorId 'DicomTools.EnvFileNotFound,DicomTools.Cmdlets.Commands.StartSampleAnalyticsCommand'
        }
        finally { Pop-Location }
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 1
    }

    It 'Send-DicomFile and Send-DicomToolsLog read ./.env too' {
        "U_URL=$($script:Server.Url)/api/upload`nU_KEY=$($script:UploadKey)`nLOG_URL=$($script:Server.Url)/api/logs`nLOG_KEY=$($script:LogKey)" |
            Set-Content -LiteralPath ./.env
        $file = New-TestDicomFile -Path (Join-Path $script:LabFolder 'one.dcm') -SopInstanceUid ('2.25.' + [System.Numerics.BigInteger]::new([guid]::NewGuid().ToByteArray() + [byte] 0))
        (Send-DicomFile -LiteralPath $file.FullName).Status | Should -Be 'Stored'
        'a log line' | Set-Content -LiteralPath ./run.log
        (Send-DicomToolsLog ./run.log -SampleId s-1 -AttemptNumber 1).StatusCode | Should -BeIn 200, 201, 202
    }

    It 'a .env line it cannot parse is a warning naming the file and line, and the rest still works' {
        "MD_URL=$($script:MdUri)`nthis is not a setting`nMD_KEY=$($script:MdKey)" | Set-Content -LiteralPath ./.env
        $output = Get-SampleMetadata ascii0001-chem 3>&1
        ($output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Match 'line 2'
        ($output | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] }).TestType | Should -BeExactly 'CHEM'
    }

    It 'names the missing settings by this cmdlet''s parameters and the variables, and where it looked' {
        "MD_URL=$($script:MdUri)" | Set-Content -LiteralPath ./.env
        $thrown = { Get-SampleMetadata ascii0001-chem -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'DicomTools.MissingSetting.MD_KEY,*'
        $thrown.Exception.Message | Should -Match '-ApiKey'
        $thrown.Exception.Message | Should -Match 'MD_KEY'
        $thrown.Exception.Message | Should -Match ([regex]::Escape((Join-Path $script:LabFolder '.env')))
        @(Get-LabJournal $script:Server).Count | Should -Be 0
    }

    It '-TimeoutSec reads as its real default, inside its own ValidateRange' {
        $command = Get-Command Get-SampleMetadata
        $range = $command.Parameters.TimeoutSec.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
        # By the implementing type: the module may live in a private load context where type literals do not resolve.
        $new = { param($name) [Activator]::CreateInstance((Get-Command $name).ImplementingType) }
        $cmdlet = & $new Get-SampleMetadata
        $cmdlet.TimeoutSec | Should -Be 100
        $cmdlet.TimeoutSec | Should -BeGreaterOrEqual $range.MinRange
        (& $new Send-DicomFile).TimeoutSec | Should -Be 600
        (& $new Invoke-SampleUpload).TimeoutSec | Should -Be 100
    }

    It 'Invoke-SampleUpload shares the HTTP parameters with the other cmdlets instead of declaring its own' {
        $shared = 'MaximumRetryCount', 'RetryIntervalSec', 'TimeoutSec', 'SkipCertificateCheck', 'Proxy', 'ProxyCredential', 'EnvFile'
        foreach ($name in 'Invoke-SampleUpload', 'Get-SampleMetadata', 'Start-SampleAnalytics', 'Send-DicomFile', 'Send-DicomToolsLog') {
            $parameters = (Get-Command $name).Parameters
            foreach ($parameter in $shared) {
                $parameters[$parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } |
                    Should -Not -BeNullOrEmpty -Because "$name -$parameter"
            }
        }
        # Through SampleApisCmdletBase (the lab APIs' URLs and keys, shared with Test-SampleConnection), still on the one HTTP base.
        (Get-Command Invoke-SampleUpload).ImplementingType.BaseType.Name | Should -Be 'SampleApisCmdletBase'
        (Get-Command Invoke-SampleUpload).ImplementingType.BaseType.BaseType.Name | Should -Be 'HttpClientCmdletBase'
        (Get-Command Test-SampleConnection).ImplementingType.BaseType.BaseType.Name | Should -Be 'HttpClientCmdletBase'
        (Get-Command Get-SampleMetadata).ImplementingType.BaseType.BaseType.Name | Should -Be 'HttpClientCmdletBase'
    }
}

Describe 'Start-SampleAnalytics' -Tag 'Http' {
    BeforeEach {
        Clear-LabFault $script:Server
        Clear-LabJournal $script:Server
    }

    It 'binds SampleId and TestType from a piped SampleMetadata and returns the answer as an object' {
        $answer = Get-SampleMetadata ref0000022tes-cbc @Md | Start-SampleAnalytics @An
        $answer | Should -BeOfType ([pscustomobject])
        $answer.status | Should -BeExactly 'queued'
        $answer.sample_id | Should -BeExactly 'ref0000022tes-cbc'
        $answer.request_type | Should -BeExactly 'CBC'
        $answer.job_id | Should -Match '^job-'
        $seen = @(Get-LabJournal $script:Server -Endpoint analytics)
        $seen.Count | Should -Be 1
        $seen[0].BodyJson.request_type | Should -BeExactly 'CBC'
        $seen[0].Query | Should -Match 'request_type=CBC'
    }

    It 'sends nothing with -WhatIf' {
        Start-SampleAnalytics -SampleId s-1 -RequestType CBC @An -WhatIf
        @(Get-LabJournal $script:Server -Endpoint analytics).Count | Should -Be 0
    }

    It 'retries a transient 502 and reports a bad key as PermissionDenied' {
        Set-LabFault $script:Server -Endpoint analytics -Mode Status -StatusCode 502 -Count 1
        (Start-SampleAnalytics s-1 CBC @An).status | Should -BeExactly 'queued'
        $null = Start-SampleAnalytics s-1 CBC -Uri $script:AnalyticsUri -ApiKey (ConvertTo-TestSecret 'nope-Zq9-key') `
            -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.AnalyticsFailed.Forbidden,*'
    }

    It 'names -Uri and A_URL when no URL is set' {
        $thrown = { Start-SampleAnalytics s-1 CBC -ApiKey (ConvertTo-TestSecret 'k-1234') -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.ToString() | Should -Match 'A_URL'
        $thrown.ToString() | Should -Match '-Uri'
    }

    It 'refuses two credentials at once' {
        { Start-SampleAnalytics s-1 CBC @An -Token (ConvertTo-TestSecret 't-1234') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DicomTools.ConflictingCredentials,*'
    }
}
