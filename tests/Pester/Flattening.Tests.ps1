# Every type the cmdlets output, and every type reachable through their public properties, flattens to readable
# text: Format-List *, Export-Csv and ConvertTo-Json -Depth 3 never print a .NET type name. The instances come from
# really running each cmdlet against the lab server (and dcmtk's storescp for Test-DicomConnection).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:NoStoreScp = Test-SkipWithout 'storescp'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    Import-Module $script:ModulePath -Force
    $script:NoStoreScp = Test-SkipWithout 'storescp'

    $script:Keys = @{ MdKey = 'mdK3y-Fl4t-SECRET'; UploadKey = 'upK3y-Fl4t-SECRET'; AnalyticsKey = 'anK3y-Fl4t-SECRET'; LogKey = 'lgK3y-Fl4t-SECRET' }
    $script:Server = Start-LabServer -Keys $script:Keys
    $script:Secret = @{}
    foreach ($name in $script:Keys.Keys) { $script:Secret[$name] = ConvertTo-SecureString $script:Keys[$name] -AsPlainText -Force }
    $script:SettingNames = 'MD_URL', 'MD_KEY', 'U_URL', 'U_KEY', 'A_URL', 'A_KEY', 'LOG_URL', 'LOG_KEY', 'LOG_LEVEL'
    $script:SavedEnvironment = @{}
    foreach ($name in $script:SettingNames) { $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }

    # What a .NET type name looks like when it leaks into text: a namespace of ours or the BCL's, or a generic arity.
    $script:TypeNamePattern = 'DicomTools\.|System\.|`'

    # The public types an output type exposes, recursively (element types of arrays and generic collections too).
    function Get-ReachableType([type[]] $Roots) {
        $seen = [Collections.Generic.HashSet[type]]::new()
        $queue = [Collections.Generic.Queue[type]]::new()
        foreach ($root in $Roots) { $queue.Enqueue($root) }
        while ($queue.Count) {
            $type = $queue.Dequeue()
            if ($type.IsArray) { $queue.Enqueue($type.GetElementType()); continue }
            if ($type.IsGenericType) { foreach ($argument in $type.GetGenericArguments()) { $queue.Enqueue($argument) } }
            if (-not $type.FullName -or -not $type.FullName.StartsWith('DicomTools.')) { continue }
            if (-not $seen.Add($type)) { continue }
            foreach ($property in $type.GetProperties([Reflection.BindingFlags] 'Public, Instance')) { $queue.Enqueue($property.PropertyType) }
        }
        $seen
    }

    # Every object reachable from $Root through public properties (what Format-List * and ConvertTo-Json walk).
    function Get-ReachableInstance([object] $Root, [int] $Depth = 4) {
        $found = [Collections.Generic.List[object]]::new()
        $pending = [Collections.Generic.Queue[object]]::new()
        $pending.Enqueue(@{ Value = $Root; Depth = 0 })
        while ($pending.Count) {
            $item = $pending.Dequeue()
            $value = $item.Value
            if ($null -eq $value -or $item.Depth -gt $Depth) { continue }
            if ($value -is [psobject]) { $value = $value.PSObject.BaseObject }
            if ($value -is [string] -or $value.GetType().IsPrimitive -or $value -is [enum]) { continue }
            if ($value -is [Collections.IDictionary]) { foreach ($v in $value.Values) { $pending.Enqueue(@{ Value = $v; Depth = $item.Depth + 1 }) }; continue }
            if ($value -is [Collections.IEnumerable]) { foreach ($v in $value) { $pending.Enqueue(@{ Value = $v; Depth = $item.Depth + 1 }) } }
            if ($value.GetType().FullName -like 'DicomTools.*') { $found.Add($value) }
            foreach ($property in $value.GetType().GetProperties([Reflection.BindingFlags] 'Public, Instance')) {
                if ($property.GetIndexParameters().Count) { continue }
                $pending.Enqueue(@{ Value = $property.GetValue($value); Depth = $item.Depth + 1 })
            }
        }
        $found
    }

    # The three flattened forms of one object, as text.
    function Get-FlatText([object] $InputObject) {
        [pscustomobject]@{
            List = $InputObject | Format-List -Property * | Out-String -Width 250
            Csv  = $InputObject | ConvertTo-Csv -NoTypeInformation | Out-String
            Json = $InputObject | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue
        }
    }

    # A run folder: small DICOM files with unique UIDs plus one damaged *.dcm, so the run has a FailedFile.
    function New-FlatFolder([int] $Count = 2, [switch] $Damaged) {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        $root = '2.25.' + [System.Numerics.BigInteger]::new([guid]::NewGuid().ToByteArray() + [byte] 0)
        for ($i = 1; $i -le $Count; $i++) {
            $null = New-TestDicomFile -Path (Join-Path $folder "$root.$i.dcm") -SopInstanceUid "$root.$i" -StudyInstanceUid "$root.100" -SeriesInstanceUid "$root.100.1" -PatientId 'OLD-ID'
        }
        if ($Damaged) { Set-Content -LiteralPath (Join-Path $folder 'damaged.dcm') -Value 'not DICOM at all' }
        $folder
    }

    function Start-FlatStoreScp {
        # storescp takes a port number: learn a free one by binding port 0, and try again if it was taken meanwhile.
        for ($try = 0; $try -lt 5; $try++) {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
            $out = Join-Path $TestDrive "scp$try"
            $null = New-Item -ItemType Directory -Force $out
            $process = Start-Process -FilePath (Get-Command storescp -CommandType Application | Select-Object -First 1).Source `
                -ArgumentList @('--aetitle', 'STORESCP', '--output-directory', $out, "$port") -PassThru `
                -RedirectStandardOutput (Join-Path $out 'out.txt') -RedirectStandardError (Join-Path $out 'err.txt')
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (-not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                $client = [Net.Sockets.TcpClient]::new()
                try { $client.Connect('127.0.0.1', $port); return [pscustomobject]@{ Process = $process; Port = $port } }
                catch [Net.Sockets.SocketException] { Start-Sleep -Milliseconds 20 }
                finally { $client.Dispose() }
            }
            if (-not $process.HasExited) { $process.Kill() }
        }
        throw 'storescp could not listen on a free port.'
    }

    # One instance of every output type, produced by the cmdlets as an admin runs them.
    $env:MD_URL = "$($script:Server.Url)/api/metadata"; $env:MD_KEY = $script:Keys.MdKey
    $env:U_URL = "$($script:Server.Url)/api/upload"; $env:U_KEY = $script:Keys.UploadKey
    $env:A_URL = "$($script:Server.Url)/api/analytics"; $env:A_KEY = $script:Keys.AnalyticsKey
    $env:LOG_URL = "$($script:Server.Url)/api/logs"; $env:LOG_KEY = $script:Keys.LogKey
    Add-LabSample $script:Server -SampleId 'flat0001-cbc' -PatientName 'Rex^Bobby' -Species Canine -TestType CBC -ClinicName 'Vet' -Extra @{ ward = 'B'; weight = 12 }

    $script:Outputs = [Collections.Generic.List[object]]::new()
    $folder = New-FlatFolder 2
    $files = Get-ChildItem -LiteralPath $folder -Filter *.dcm
    $script:Outputs.AddRange(@(Get-DicomTag -LiteralPath $files[0].FullName))
    $script:Outputs.AddRange(@($files | Get-DicomTag -Tag PatientID, StudyDate, '(0009,1001)' -AsRow))
    $script:Outputs.AddRange(@($files | Set-DicomTags -Tag @{ PatientID = 'FLAT-1'; PatientName = 'Flat^Rex' }))
    $script:Outputs.AddRange(@($files | Send-DicomFile -Uri "$($script:Server.Url)/api/upload" -ApiKey $script:Secret.UploadKey))
    $script:Outputs.Add((Get-SampleMetadata -SampleId 'flat0001-cbc'))
    $script:Outputs.Add((Start-SampleAnalytics -SampleId 'flat0001-cbc' -RequestType CBC))
    $log = Join-Path $TestDrive 'flat.log'
    Set-Content -LiteralPath $log -Value 'one line'
    $script:Outputs.Add((Send-DicomToolsLog -Path $log -SampleId 'flat0001-cbc' -AttemptNumber 1))
    $runFolder = New-FlatFolder 2 -Damaged
    $summary = $null
    try { Invoke-SampleUpload -SampleId 'flat0001-cbc' -AttemptNumber 1 -Directory $runFolder -RetryIntervalSec 0.05 -OutVariable summary -ErrorAction SilentlyContinue 2>$null | Out-Null } catch { $null = $_ }
    $script:Outputs.AddRange(@($summary))
    $script:Outputs.AddRange(@(Test-SampleConnection -SampleId 'flat0001-cbc'))
    if (Test-ExternalTool 'storescp') {
        $script:Scp = Start-FlatStoreScp
        $script:Outputs.Add((Test-DicomConnection -ComputerName 127.0.0.1 -Port $script:Scp.Port -CalledAETitle STORESCP -SopClass 1.2.840.10008.5.1.4.1.1.7))
    }

    $script:Instances = @($script:Outputs | ForEach-Object { Get-ReachableInstance $_ })
    $commands = Get-Command -Module DicomTools -CommandType Cmdlet
    $script:OutputTypes = @($commands | ForEach-Object { $_.OutputType.Type } | Where-Object { $_ } | Sort-Object FullName -Unique)
}

AfterAll {
    if ($script:Scp -and -not $script:Scp.Process.HasExited) { $script:Scp.Process.Kill(); $script:Scp.Process.WaitForExit() }
    if ($script:Server) { Stop-LabServer $script:Server }
    foreach ($name in $script:SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnvironment[$name]) }
}

Describe 'Output objects flatten to readable text' -Tag 'Flattening' {
    It 'ran every cmdlet, and has an instance of every type reachable from their [OutputType]' {
        $script:OutputTypes.Count | Should -BeGreaterOrEqual 7
        $reachable = Get-ReachableType $script:OutputTypes
        $instanceTypes = @($script:Instances | ForEach-Object { $_.GetType() } | Sort-Object FullName -Unique)
        $missing = @($reachable | Where-Object { -not $_.IsEnum -and -not $_.IsInterface -and $_ -notin $instanceTypes } | ForEach-Object FullName)
        if ($script:NoStoreScp) { $missing = @($missing | Where-Object { $_ -notlike 'DicomTools.Cmdlets.Dicom*Info' -and $_ -ne 'DicomTools.Cmdlets.DicomConnectionResult' }) }
        $missing | Should -BeNullOrEmpty -Because 'each public type the cmdlets can output must be checked on a real instance'
        @($script:Outputs | Where-Object { $_ -is [DicomTools.Cmdlets.SampleRunSummary] }).Count | Should -Be 1
        @($script:Outputs | Where-Object { $_ -is [DicomTools.Cmdlets.SampleRunSummary] })[0].FailedFiles.Count | Should -BeGreaterOrEqual 1
    }

    It 'prints no .NET type name in Format-List *, Export-Csv or ConvertTo-Json -Depth 3 of <_>' -ForEach @(
        'DicomTools.Cmdlets.DicomTagValue', 'DicomTools.Cmdlets.TagUpdateResult', 'DicomTools.Engine.Upload.UploadResult',
        'DicomTools.Engine.Metadata.SampleMetadata', 'DicomTools.Cmdlets.Commands.LogSubmission', 'DicomTools.Cmdlets.SampleRunSummary',
        'DicomTools.Cmdlets.DicomConnectionResult', 'DicomTools.DicomTagRow', 'DicomTools.Engine.Preflight.ConnectionCheckResult',
        'System.Management.Automation.PSCustomObject'
    ) {
        $name = $_
        if ($name -eq 'DicomTools.Cmdlets.DicomConnectionResult' -and $script:NoStoreScp) { Set-ItResult -Skipped -Because 'storescp is not installed'; return }
        $outputs = @($script:Outputs | Where-Object { $_.PSObject.TypeNames -contains $name })
        $outputs | Should -Not -BeNullOrEmpty -Because "a cmdlet outputs $name"
        foreach ($output in $outputs) {
            $flat = Get-FlatText $output
            $flat.List | Should -Not -Match $script:TypeNamePattern -Because "Format-List * of $name"
            $flat.Csv | Should -Not -Match $script:TypeNamePattern -Because "Export-Csv of $name"
            $flat.Json | Should -Not -Match $script:TypeNamePattern -Because "ConvertTo-Json -Depth 3 of $name"
        }
    }

    It 'prints no .NET type name for any nested object either' {
        $leaks = foreach ($instance in $script:Instances) {
            $flat = Get-FlatText $instance
            foreach ($form in 'List', 'Csv', 'Json') {
                if ($flat.$form -match $script:TypeNamePattern) { '{0} ({1}): {2}' -f $instance.GetType().FullName, $form, $Matches[0] }
            }
            $text = "$instance"
            if ($text -match $script:TypeNamePattern) { '{0} (ToString): {1}' -f $instance.GetType().FullName, $text }
        }
        $leaks | Should -BeNullOrEmpty
    }

    It 'gives tag names as "(gggg,eeee)" text in JSON and durations as seconds' {
        $change = @($script:Outputs | Where-Object { $_ -is [DicomTools.Cmdlets.TagUpdateResult] })[0]
        $json = $change | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $json.Changes.Tag | Should -Contain '(0010,0020)'
        "$($change.Changes)" | Should -Match 'PatientID: OLD-ID → FLAT-1'
        $uploads = @($script:Outputs | Where-Object { $_ -is [DicomTools.Engine.Upload.UploadResult] })
        ($uploads | Measure-Object DurationSec -Sum).Sum | Should -BeGreaterThan 0
        $uploads[0].DurationSec | Should -Be $uploads[0].Duration.TotalSeconds
        $run = @($script:Outputs | Where-Object { $_ -is [DicomTools.Cmdlets.SampleRunSummary] })[0]
        $run.DurationSec | Should -Be $run.Duration.TotalSeconds
        "$($run.FailedFiles)" | Should -Match '^damaged\.dcm \(\w+\): '
    }
}

Describe 'Get-DicomTag chains into Send-DicomFile' -Tag 'Flattening', 'Upload' {
    It 'sends only the files whose tag matches, bound by PSPath' {
        $folder = New-FlatFolder 3
        $wanted = (Get-ChildItem -LiteralPath $folder -Filter *.dcm | Select-Object -First 1).FullName
        $null = Set-DicomTags -LiteralPath $wanted -Tag @{ PatientID = 'SEND-ME' }
        $sent = @(Get-ChildItem -LiteralPath $folder -Filter *.dcm | Get-DicomTag -Tag PatientID |
            Where-Object Value -EQ 'SEND-ME' | Send-DicomFile -Uri "$($script:Server.Url)/api/upload" -ApiKey $script:Secret.UploadKey)
        $sent.Count | Should -Be 1
        $sent[0].Path | Should -Be $wanted
        $sent[0].Status | Should -Be 'Stored'
    }
}
