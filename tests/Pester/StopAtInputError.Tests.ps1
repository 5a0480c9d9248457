BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    Import-Module $script:ModulePath -Force

    $script:UploadKey = 'Up-Stop-distinctive-key-5521'
    $script:Server = Start-LabServer -Keys @{ UploadKey = $script:UploadKey; MdKey = 'Md-Stop-key-1'; AnalyticsKey = 'An-Stop-key-1' }
    $script:RawUri = "$($script:Server.Url)/api/upload"
    $script:Up = @{ ApiKey = (ConvertTo-SecureString $script:UploadKey -AsPlainText -Force); RetryIntervalSec = 0.1 }
    $script:Metadata = @{
        SampleId = 'ref0000022tes-cbc'; PatientName = 'Bella^Smith'; Species = 'Feline'; TestType = 'CBC'; ClinicName = 'Northside Vets'
    }

    # Plain names (no wildcard characters), so that -Path resolves each one to itself.
    function New-StopFolder([int] $Count) {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        foreach ($i in 1..$Count) {
            $null = New-TestDicomFile -Path (Join-Path $folder ('IMG{0:D4}.dcm' -f $i)) -SopInstanceUid "1.2.826.0.1.3680043.2.1125.78.$PID.$i.$(Get-Random)" -PixelBytes 60000
        }
        $folder
    }

    # A poll on observable state; the timeout only turns a hang into a failure.
    function Wait-Until([scriptblock] $Condition, [string] $What) {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting until $What." }
            Start-Sleep -Milliseconds 20
        }
    }

    function Get-Hashes([string] $Folder) {
        $table = @{}
        foreach ($f in Get-ChildItem -LiteralPath $Folder -File) { $table[$f.FullName] = (Get-FileHash -LiteralPath $f.FullName).Hash }
        $table
    }
}

AfterAll {
    if ($script:Server) { Stop-LabServer $script:Server }
}

# The error that stops the command comes from resolving an input path (the shared cmdlet base), not from a file's own
# edit or upload: the files already being edited or sent must still get their results before it.
Describe 'A path that resolves to nothing, under -ErrorAction Stop' -Tag 'FailureSemantics' {
    It 'Set-DicomTags writes the result of every file it rewrote before the error' {
        $folder = New-StopFolder 40
        $files = @(Get-ChildItem -LiteralPath $folder -Filter *.dcm | Sort-Object Name | ForEach-Object FullName)
        $missing = Join-Path $folder 'NOSUCH.dcm'
        $before = Get-Hashes $folder
        # The bad path arrives once the edits are under way (paths bind to -Path from the pipeline).
        $feed = {
            $files[0..11]
            Wait-Until { (Get-FileHash -LiteralPath $files[0]).Hash -ne $before[$files[0]] } 'the first file was rewritten'
            $missing
            $files[12..($files.Count - 1)]
        }

        $results = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try { & $feed | Set-DicomTags -Metadata $script:Metadata -ThrottleLimit 8 -ErrorAction Stop | ForEach-Object { $results.Add($_) } }
        catch { $err = $_ }

        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.PathNotFound*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $after = Get-Hashes $folder
        $rewritten = @($before.Keys | Where-Object { $after[$_] -ne $before[$_] } | Sort-Object)
        $updated = @($results | Where-Object Status -EQ 'Updated' | ForEach-Object SourcePath | Sort-Object)
        $rewritten.Count | Should -BeGreaterThan 0
        $updated | Should -Be $rewritten
        # Nothing after the bad path was started, and the results keep input order.
        $rewritten | ForEach-Object { [array]::IndexOf($files, $_) | Should -BeLessThan 12 }
        $results.SourcePath | Should -Be @($files[0..($results.Count - 1)])
    }

    It 'Send-DicomFile writes the result of every file the server stored before the error' {
        Clear-LabJournal $script:Server
        $folder = New-StopFolder 40
        $files = @(Get-ChildItem -LiteralPath $folder -Filter *.dcm | Sort-Object Name | ForEach-Object FullName)
        $missing = Join-Path $folder 'NOSUCH.dcm'
        # The bad path arrives once the server has seen the first request; requests in flight by then finish.
        $feed = {
            $files[0..7]
            Wait-Until { @(Get-LabJournal $script:Server -Endpoint upload).Count -ge 1 } 'the server saw an upload'
            $missing
            $files[8..($files.Count - 1)]
        }

        $results = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try { & $feed | Send-DicomFile -Uri $script:RawUri @script:Up -ThrottleLimit 8 -ErrorAction Stop | ForEach-Object { $results.Add($_) } }
        catch { $err = $_ }

        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.PathNotFound*'
        $sent = @(Get-LabJournal $script:Server -Endpoint upload)
        $stored = @($results | Where-Object Status -EQ 'Stored')
        $sent.Count | Should -BeGreaterThan 0
        $stored.Count | Should -Be $sent.Count
        # One result per input queued before the bad path, in input order; none after it was sent.
        $results.Path | Should -Be @($files[0..7])
        @($results | Where-Object { $_.Status -ne 'Stored' -and $_.Status -ne 'NotSent' }).Count | Should -Be 0
    }
}
