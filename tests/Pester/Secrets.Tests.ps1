# Issue 9 items 17-19: secrets are masked per invocation and precisely, in every form a server echoes them,
# in every sink; Basic and Bearer credentials are refused over plain http to another host.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    Import-Module $script:ModulePath -Force

    $script:Keys = @{ MdKey = 'mdK3y-Echo/81+SECRET'; UploadKey = 'upK3y-Echo/27+SECRET'; AnalyticsKey = 'anK3y-Echo/64+SECRET'; LogKey = 'lgK3y-Echo/95+SECRET' }
    $script:Server = Start-LabServer -Keys $script:Keys
    $script:SettingNames = 'MD_URL', 'MD_KEY', 'U_URL', 'U_KEY', 'A_URL', 'A_KEY', 'LOG_URL', 'LOG_KEY', 'LOG_LEVEL'

    function Set-RunSettings {
        $env:MD_URL = "$($script:Server.Url)/api/metadata"; $env:MD_KEY = $script:Keys.MdKey
        $env:U_URL = "$($script:Server.Url)/api/upload"; $env:U_KEY = $script:Keys.UploadKey
        $env:A_URL = "$($script:Server.Url)/api/analytics"; $env:A_KEY = $script:Keys.AnalyticsKey
        $env:LOG_URL = "$($script:Server.Url)/api/logs"; $env:LOG_KEY = $script:Keys.LogKey
    }
    function Clear-RunSettings { foreach ($name in $script:SettingNames) { Remove-Item "env:$name" -ErrorAction Ignore } }

    # The forms a server echoes a key in (what the lab server's EchoKey fault sends back).
    function Get-SecretForms([string] $Secret) {
        $upper = [uri]::EscapeDataString($Secret)
        $lower = [regex]::Replace($upper, '%[0-9A-F]{2}', { param($m) $m.Value.ToLowerInvariant() })
        @($Secret, $upper, $lower, [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Secret))) | Select-Object -Unique
    }

    function New-RunFolder([int] $Count = 2) {
        $folder = Join-Path $TestDrive ('ref0000022tes-cbc-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'data')
        $root = '2.25.' + [System.Numerics.BigInteger]::new([guid]::NewGuid().ToByteArray() + [byte] 0)
        for ($i = 1; $i -le $Count; $i++) {
            New-TestDicomFile -Path (Join-Path $folder "data/sample-plate-$i.dcm") -SopInstanceUid "$root.$i" -StudyInstanceUid "$root.100" -SeriesInstanceUid "$root.100.1" -PatientId 'OLD-ID' | Out-Null
        }
        $folder
    }

    function Invoke-Run([hashtable] $Parameters) {
        $summary = $null; $failure = $null
        try { Invoke-SampleUpload @Parameters -OutVariable summary -WarningVariable +script:Warnings -ErrorVariable +script:Errors -WarningAction SilentlyContinue 4>&1 5>&1 | ForEach-Object { [void] $script:Streams.Add("$_") } }
        catch { $failure = $_ }
        [pscustomobject]@{ Summary = $summary | Where-Object { $_ -is [DicomTools.Cmdlets.SampleRunSummary] } | Select-Object -First 1; Error = $failure }
    }
}

AfterAll {
    Clear-RunSettings
    if ($script:Server) { Stop-LabServer $script:Server }
}

Describe 'Secrets are masked per invocation and precisely' -Tag 'Secrets' {
    BeforeEach {
        Clear-RunSettings
        Clear-LabJournal $script:Server
        Clear-LabFault $script:Server
        $script:Warnings = @(); $script:Errors = @(); $script:Streams = [System.Collections.Generic.List[string]]::new()
    }
    AfterEach { Pop-Location -ErrorAction Ignore }

    It 'a one-letter password given to Send-DicomFile does not mask words in a later Invoke-SampleUpload log' {
        $folder = New-RunFolder -Count 2
        $cred = [pscredential]::new('orthanc', (ConvertTo-SecureString 'p' -AsPlainText -Force))
        $null = Send-DicomFile -LiteralPath (Join-Path $folder 'data/sample-plate-1.dcm') -Uri "$($script:Server.Url)/api/upload" -Credential $cred -MaximumRetryCount 0 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        Set-RunSettings
        Push-Location $folder
        $run = Invoke-Run @{ Directory = './data'; RetryIntervalSec = 0.05 }

        $run.Error | Should -BeNullOrEmpty
        $log = Get-Content -Raw -LiteralPath $run.Summary.LogPath
        $log | Should -Match 'attempt'
        $log | Should -Match 'sample-plate-1\.dcm'
        $log | Should -Not -Match '\w\*\*\*|\*\*\*\w'
        ($script:Streams -join "`n") | Should -Not -Match '\w\*\*\*\w'
    }

    It 'a server that echoes <Endpoint> keys in every form leaks none of them to any sink' -ForEach @(
        @{ Endpoint = 'upload'; Status = 400 }
        @{ Endpoint = 'analytics'; Status = 200 }
        @{ Endpoint = 'metadata'; Status = 400 }
    ) {
        Set-RunSettings
        Set-LabFault $script:Server -Endpoint $Endpoint -Mode EchoKey -StatusCode $Status -Count 0
        $folder = New-RunFolder -Count 2
        Push-Location $folder
        $run = Invoke-Run @{ Directory = './data'; RetryIntervalSec = 0.05; MaximumRetryCount = 0 }
        Clear-LabFault $script:Server

        @(Get-LabJournal $script:Server -Endpoint $Endpoint | Where-Object Fault -EQ 'echokey').Count | Should -BeGreaterThan 0
        $sinks = [System.Collections.Generic.List[string]]::new()
        $summary = if ($run.Summary) { $run.Summary } else { $run.Error.TargetObject }
        if ($summary) {
            $sinks.Add(($summary | ConvertTo-Json -Depth 8 -WarningAction SilentlyContinue))
            if ($summary.LogPath -and (Test-Path -LiteralPath $summary.LogPath)) { $sinks.Add((Get-Content -Raw -LiteralPath $summary.LogPath)) }
        }
        if ($run.Error) { $sinks.Add("$($run.Error)"); $sinks.Add("$($run.Error.ErrorDetails)"); $sinks.Add("$($run.Error.Exception)") }
        foreach ($w in $script:Warnings) { $sinks.Add("$w") }
        foreach ($e in $script:Errors) { $sinks.Add("$e") }
        $sinks.AddRange($script:Streams)
        foreach ($entry in @(Get-LabLog $script:Server)) { $sinks.Add(($entry | ConvertTo-Json -Depth 6)) }
        $all = $sinks -join "`n"
        $all | Should -Not -BeNullOrEmpty
        foreach ($key in $script:Keys.Values) {
            foreach ($form in Get-SecretForms $key) { $all | Should -Not -Match ([regex]::Escape($form)) -Because "the $Endpoint echo of a key in form '$($form.Length) chars' reached a sink" }
        }
    }
}

Describe 'Unencrypted authentication' -Tag 'Secrets' {
    It 'refuses <Name> over http to another host, naming the URI and the switch, and sends nothing' -ForEach @(
        @{ Name = 'HTTP Basic'; Parameters = @{ Credential = [pscredential]::new('u', (ConvertTo-SecureString 'pw-123456' -AsPlainText -Force)) } }
        @{ Name = 'a Bearer token'; Parameters = @{ Token = (ConvertTo-SecureString 'tok-123456' -AsPlainText -Force) } }
    ) {
        # RFC 6761 .invalid never resolves: the refusal must come before any connection attempt.
        $err = $null
        try { Get-SampleMetadata -SampleId s1 -Uri 'http://lab.invalid/api/metadata' @Parameters -MaximumRetryCount 0 -ErrorAction Stop }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.UnencryptedAuthentication,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        "$err" | Should -Match 'http://lab\.invalid/api/metadata'
        "$err" | Should -Match '-AllowUnencryptedAuthentication'
    }

    It 'lets Basic credentials through over http to loopback (the tests use Orthanc on 127.0.0.1)' {
        Add-LabSample $script:Server -SampleId 'sec-loop' -TestType 'CBC' -PatientName 'X' | Out-Null
        $cred = [pscredential]::new('u', (ConvertTo-SecureString 'pw-123456' -AsPlainText -Force))
        $err = $null
        try { Get-SampleMetadata -SampleId 'sec-loop' -Uri "$($script:Server.Url)/api/metadata" -Credential $cred -MaximumRetryCount 0 -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null }
        catch { $err = $_ }
        if ($err) { $err.FullyQualifiedErrorId | Should -Not -BeLike 'DicomTools.UnencryptedAuthentication*' }
    }
}
