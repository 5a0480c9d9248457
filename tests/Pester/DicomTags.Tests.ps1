BeforeDiscovery {
    # -Skip is decided at discovery, before BeforeAll runs.
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $script:ModulePath -Force

    $configuration = if ($env:DICOMTOOLS_CONFIGURATION) { $env:DICOMTOOLS_CONFIGURATION } else { 'Release' }
    $script:SampleDataDll = Join-Path $script:RepoRoot "tools/DicomTools.SampleData/bin/$configuration/net10.0/DicomTools.SampleData.dll"
    $script:Metadata = @{
        SampleId = 'ref0000022tes-cbc'; PatientName = 'Bella^Smith'; Species = 'Feline'; TestType = 'CBC'; ClinicName = 'Northside Vets'
    }

    # Writes realistic images with our codec into a fresh folder; returns the folder.
    function New-SampleFolder([string] $Name, [int] $Count = 3, [string[]] $Options = @()) {
        $folder = Join-Path $TestDrive $Name
        & dotnet $script:SampleDataDll --out $folder --count $Count --rows 64 --cols 64 --seed 11 @Options | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "DicomTools.SampleData failed ($LASTEXITCODE)" }
        $folder
    }

    function Get-Hashes([string] $Folder) {
        $table = @{}
        foreach ($f in Get-ChildItem -LiteralPath $Folder -Recurse -File) { $table[$f.FullName] = (Get-FileHash -LiteralPath $f.FullName).Hash }
        $table
    }

    # dcmdump's lines for the tags, as "(gggg,eeee) VR [value]" keyed by tag; UTF-8 so ISO_IR 192 text reads back.
    function Get-DcmdumpValues([string] $File) {
        $previous = [Console]::OutputEncoding
        [Console]::OutputEncoding = [System.Text.Encoding]::UTF8
        try { $lines = & dcmdump -q $File } finally { [Console]::OutputEncoding = $previous }
        if ($LASTEXITCODE -ne 0) { throw "dcmdump failed on $File" }
        $values = @{}
        foreach ($line in $lines) {
            if ($line -match '^(?<tag>\([0-9a-f]{4},[0-9a-f]{4}\)) (?<vr>[A-Z]{2}) \[(?<value>.*?)\]\s+#') {
                $values[$Matches.tag.ToUpperInvariant()] = $Matches.value
            }
        }
        $values
    }
}

Describe 'Set-DicomTags and Get-DicomTag' -Tag 'DicomTags' {
    It 'tags every file piped from Get-ChildItem -Recurse, one result per file in input order' {
        $folder = New-SampleFolder 'pipeline' -Count 7 -Options '--layout', 'series', '--per-series', '3'
        $files = Get-ChildItem -LiteralPath $folder -Recurse -Filter *.dcm
        $results = $files | Set-DicomTags -Metadata $script:Metadata -AttemptNumber 2 -ThrottleLimit 3

        $results.Count | Should -Be 7
        $results[0] | Should -BeOfType ([DicomTools.Cmdlets.TagUpdateResult])
        $results.SourcePath | Should -Be $files.FullName
        $results.Status | Sort-Object -Unique | Should -Be 'Updated'
        $results[0].SopInstanceUid | Should -Match '^2\.25\.\d+$'
        $changed = $results[0].Changes | Sort-Object Keyword
        $changed.Keyword | Should -Be @('BarcodeValue', 'InstitutionName', 'PatientID', 'PatientName', 'PatientSpeciesDescription')
        ($changed | Where-Object Keyword -EQ 'PatientName').OldValue | Should -Be 'Rex^Garcia'
        ($changed | Where-Object Keyword -EQ 'PatientID').NewValue | Should -Be 'ref0000022tes-cbc-002'
    }

    It 'writes the five tags so that dcmdump reads them back' -Skip:(Test-SkipWithout dcmdump) {
        $folder = New-SampleFolder 'dcmdump'
        Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Metadata $script:Metadata | Out-Null
        foreach ($file in Get-ChildItem -LiteralPath $folder -File) {
            $dump = Get-DcmdumpValues $file.FullName
            $dump['(0010,0010)'] | Should -Be 'Bella^Smith'
            $dump['(0010,0020)'] | Should -Be 'ref0000022tes-cbc-001'
            $dump['(0010,2201)'] | Should -Be 'Feline'
            $dump['(2200,0005)'] | Should -Be 'CBC'
            $dump['(0008,0080)'] | Should -Be 'Northside Vets'
        }
    }

    It 'takes the metadata API''s own keys and a PSCustomObject' {
        $folder = New-SampleFolder 'apikeys' -Count 1
        $api = [pscustomobject]@{ sample_id = 'S-9'; 'patient-name' = 'Max^Lee'; request_species = 'Canine'; test_type = 'UA'; 'clinic-name' = 'Vet One' }
        $result = Set-DicomTags -LiteralPath (Join-Path $folder 'IMG00001.dcm') -Metadata $api -AttemptNumber 12
        $result.Status | Should -Be 'Updated'
        $values = @{}
        Get-DicomTag -LiteralPath $result.Path -Tag PatientID, PatientName, PatientSpeciesDescription | ForEach-Object { $values[$_.Keyword] = $_.Value }
        $values.PatientID | Should -Be 'S-9-012'
        $values.PatientName | Should -Be 'Max^Lee'
        $values.PatientSpeciesDescription | Should -Be 'Canine'
    }

    It 'reports Unchanged on a second run and leaves the files untouched' {
        $folder = New-SampleFolder 'rerun'
        Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Metadata $script:Metadata | Out-Null
        $before = Get-ChildItem -LiteralPath $folder -File | ForEach-Object { @{ Path = $_.FullName; Time = $_.LastWriteTimeUtc; Hash = (Get-FileHash $_.FullName).Hash } }
        Start-Sleep -Milliseconds 50

        $results = Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Metadata $script:Metadata

        $results.Status | Sort-Object -Unique | Should -Be 'Unchanged'
        foreach ($file in $before) {
            (Get-Item -LiteralPath $file.Path).LastWriteTimeUtc | Should -Be $file.Time
            (Get-FileHash -LiteralPath $file.Path).Hash | Should -Be $file.Hash
        }
    }

    It '-WhatIf computes the changes and touches nothing' {
        $folder = New-SampleFolder 'whatif'
        $before = Get-Hashes $folder
        $results = Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Metadata $script:Metadata -WhatIf
        $results.Count | Should -Be 3
        $results.Status | Sort-Object -Unique | Should -Be 'WhatIf'
        $results[0].Changes.Count | Should -Be 5
        $after = Get-Hashes $folder
        $after.Count | Should -Be $before.Count
        foreach ($key in $before.Keys) { $after[$key] | Should -Be $before[$key] }
    }

    It '-Destination writes edited copies in the same layout and leaves the originals byte-identical' {
        $folder = New-SampleFolder 'dest-source' -Count 4 -Options '--layout', 'series', '--per-series', '2'
        $destination = Join-Path $TestDrive 'dest-out'
        $before = Get-Hashes $folder
        Push-Location $folder
        try { $results = Get-ChildItem -Recurse -File | Set-DicomTags -Metadata $script:Metadata -Destination $destination }
        finally { Pop-Location }

        $after = Get-Hashes $folder
        foreach ($key in $before.Keys) { $after[$key] | Should -Be $before[$key] }
        $results.Status | Sort-Object -Unique | Should -Be 'Updated'
        foreach ($r in $results) {
            $relative = [System.IO.Path]::GetRelativePath($folder, $r.SourcePath)
            $r.Path | Should -Be (Join-Path $destination $relative)
            Test-Path -LiteralPath $r.Path | Should -BeTrue
            (Get-DicomTag -LiteralPath $r.Path -Tag PatientName).Value | Should -Be 'Bella^Smith'
        }
    }

    It '-Destination with -Path wildcards keeps the layout below the folder before the wildcard' {
        $folder = New-SampleFolder 'dest-wild' -Count 2 -Options '--layout', 'series'
        $destination = Join-Path $TestDrive 'dest-wild-out'
        $results = Set-DicomTags -Path (Join-Path $folder '*/*/*.dcm') -Metadata $script:Metadata -Destination $destination
        $results.Path | Should -Be @(
            (Join-Path $destination 'Study1/Series001/IMG00001.dcm'),
            (Join-Path $destination 'Study1/Series001/IMG00002.dcm'))
    }

    It 'gives results for good files and error records for bad ones, leaving the bad ones byte-identical' {
        $folder = New-SampleFolder 'mixed' -Count 2
        Set-Content -LiteralPath (Join-Path $folder 'notes.dcm') -Value 'this is not DICOM'
        $good = [System.IO.File]::ReadAllBytes((Join-Path $folder 'IMG00002.dcm'))
        [System.IO.File]::WriteAllBytes((Join-Path $folder 'truncated.dcm'), $good[0..1500])
        $badBefore = @{
            'notes.dcm'     = (Get-FileHash (Join-Path $folder 'notes.dcm')).Hash
            'truncated.dcm' = (Get-FileHash (Join-Path $folder 'truncated.dcm')).Hash
        }

        $results = Get-ChildItem -LiteralPath $folder -File | Sort-Object Name |
            Set-DicomTags -Metadata $script:Metadata -ErrorVariable failures -ErrorAction SilentlyContinue

        $results.Count | Should -Be 4
        ($results | Where-Object Status -EQ 'Updated').Count | Should -Be 2
        $failed = $results | Where-Object Status -EQ 'Failed'
        ($failed | ForEach-Object { Split-Path -Leaf $_.Path }) | Should -Be @('notes.dcm', 'truncated.dcm')
        $failures.Count | Should -Be 2
        foreach ($e in $failures) {
            $e.FullyQualifiedErrorId | Should -BeLike 'DicomTools.InvalidDicomFile*'
            $e.CategoryInfo.Category | Should -Be 'InvalidData'
            $e.ToString() | Should -Match 'offset \d+'
        }
        $failures[0].ToString() | Should -Match 'notes\.dcm'
        $failures[1].ToString() | Should -Match 'truncated\.dcm'
        foreach ($name in $badBefore.Keys) { (Get-FileHash (Join-Path $folder $name)).Hash | Should -Be $badBefore[$name] }
        Get-ChildItem -LiteralPath $folder -Force | Where-Object Name -Like '*.tmp' | Should -BeNullOrEmpty
    }

    It 'refuses metadata missing a field before any file is touched, naming the field' {
        $folder = New-SampleFolder 'missing'
        $before = Get-Hashes $folder
        $incomplete = $script:Metadata.Clone()
        $incomplete.Remove('TestType')
        $err = $null
        try { Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Metadata $incomplete -ErrorAction Stop | Out-Null }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.IncompleteMetadata*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'TestType'
        $after = Get-Hashes $folder
        foreach ($key in $before.Keys) { $after[$key] | Should -Be $before[$key] }
    }

    It 'refuses a folder per item and goes on with the files' {
        $folder = New-SampleFolder 'withfolder' -Count 1
        $null = New-Item -ItemType Directory (Join-Path $folder 'sub')
        $results = Get-ChildItem -LiteralPath $folder | Sort-Object Name | Set-DicomTags -Metadata $script:Metadata -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Status | Should -Be @('Updated', 'Failed')
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.PathIsFolder*'
        $failures[0].ToString() | Should -Match 'is a folder'
    }

    It 'handles names with [brackets] through -LiteralPath, the pipeline, and its own results' {
        $folder = New-SampleFolder 'brackets' -Count 2
        Rename-Item -LiteralPath (Join-Path $folder 'IMG00001.dcm') -NewName 'scan[1].dcm'
        Rename-Item -LiteralPath (Join-Path $folder 'IMG00002.dcm') -NewName 'scan[2].dcm'

        $one = Set-DicomTags -LiteralPath (Join-Path $folder 'scan[1].dcm') -Metadata $script:Metadata
        $one.Status | Should -Be 'Updated'

        $piped = Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Metadata $script:Metadata
        $piped.Status | Should -Be @('Unchanged', 'Updated')

        # Results bind to the next cmdlet's -LiteralPath through PSPath, not to -Path as a wildcard.
        $ids = $piped | Get-DicomTag -Tag PatientID
        $ids.Count | Should -Be 2
        $ids.Path | Should -Be $piped.Path
        $ids.Value | Sort-Object -Unique | Should -Be 'ref0000022tes-cbc-001'
    }

    It 'stores a clinic name outside ASCII as ISO_IR 192 that dcmdump reads back' -Skip:(Test-SkipWithout dcmdump) {
        $folder = New-SampleFolder 'utf8' -Count 1
        $file = Join-Path $folder 'IMG00001.dcm'
        $clinic = 'Clínica Veterinária São João'
        $metadata = $script:Metadata.Clone()
        $metadata.ClinicName = $clinic
        (Set-DicomTags -LiteralPath $file -Metadata $metadata).Status | Should -Be 'Updated'
        $dump = Get-DcmdumpValues $file
        $dump['(0008,0005)'] | Should -Be 'ISO_IR 192'
        $dump['(0008,0080)'] | Should -Be $clinic
        (Get-DicomTag -LiteralPath $file -Tag InstitutionName).Value | Should -Be $clinic
    }

    It '-CharacterSetPolicy Refuse fails a file whose character set cannot carry the value, leaving it byte-identical' {
        $folder = New-SampleFolder 'refuse' -Count 1
        $file = Join-Path $folder 'IMG00001.dcm'
        $before = (Get-FileHash -LiteralPath $file).Hash
        $metadata = $script:Metadata.Clone()
        $metadata.ClinicName = 'Clínica São João'
        $r = Set-DicomTags -LiteralPath $file -Metadata $metadata -CharacterSetPolicy Refuse -ErrorVariable failures -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'Failed'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.InvalidTagValue*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].ToString() | Should -Match '\(0008,0080\)'
        (Get-FileHash -LiteralPath $file).Hash | Should -Be $before
    }

    It '-Destination refuses a file outside the folder whose layout it reproduces' {
        $folder = New-SampleFolder 'outside' -Count 1
        $elsewhere = Join-Path $TestDrive 'elsewhere'
        $null = New-Item -ItemType Directory $elsewhere
        Push-Location $elsewhere
        try {
            $r = Get-ChildItem -LiteralPath $folder -File |
                Set-DicomTags -Metadata $script:Metadata -Destination (Join-Path $TestDrive 'outside-out') -ErrorVariable failures -ErrorAction SilentlyContinue
        } finally { Pop-Location }
        $r.Status | Should -Be 'Failed'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.InvalidDestination*'
        $failures[0].ToString() | Should -Match 'RelativeTo'
        $r2 = Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Metadata $script:Metadata -Destination (Join-Path $TestDrive 'outside-out') -RelativeTo $folder
        $r2.Status | Should -Be 'Updated'
        $r2.Path | Should -Be (Join-Path $TestDrive 'outside-out/IMG00001.dcm')
    }

    It 'sets other tags given by keyword or number, and a $null removes one' {
        $folder = New-SampleFolder 'othertags' -Count 1
        $file = Join-Path $folder 'IMG00001.dcm'
        $r = Set-DicomTags -LiteralPath $file -Tag @{ PatientAge = '004Y'; '(0010,1030)' = 12.5; PatientComments = $null }
        $r.Status | Should -Be 'Updated'
        $tags = @{}
        Get-DicomTag -LiteralPath $file | ForEach-Object { $tags[$_.Keyword] = $_.Value }
        $tags.PatientAge | Should -Be '004Y'
        $tags.PatientWeight | Should -Be '12.5'
        $tags.ContainsKey('PatientComments') | Should -BeFalse
        $tags.PatientName | Should -Be 'Rex^Garcia'
    }

    It 'sets an element inside a sequence item by path, and refuses an item that does not exist' {
        $folder = New-SampleFolder 'nested' -Count 1
        $file = Join-Path $folder 'IMG00001.dcm'
        $r = Set-DicomTags -LiteralPath $file -Tag @{ '(0040,0275)[0].(0040,0009)' = 'SPS-7' }
        $r.Status | Should -Be 'Updated'
        $r.Changes[0].Path.ToString() | Should -Be '(0040,0275)[0].(0040,0009)'
        $read = Get-DicomTag -LiteralPath $file -IncludeSequence | Where-Object { $_.ParentPath -eq '(0040,0275)[0]' -and $_.Tag -eq '(0040,0009)' }
        $read.Value | Should -Be 'SPS-7'
        (Set-DicomTags -LiteralPath $file -Tag @{ 'RequestAttributesSequence[0].ScheduledProcedureStepID' = 'SPS-7' }).Status | Should -Be 'Unchanged'
        $before = Get-Hashes $folder
        $err = $null
        try { Set-DicomTags -LiteralPath $file -Tag @{ '(0040,0275)[9].(0040,0009)' = 'X' } -ErrorAction Stop | Out-Null }
        catch { $err = $_ }
        $err.ToString() | Should -Match 'item does not exist'
        $after = Get-Hashes $folder
        foreach ($key in $before.Keys) { $after[$key] | Should -Be $before[$key] }
    }

    It 'refuses a -Tag key that is not a tag before touching anything' {
        $folder = New-SampleFolder 'badtag' -Count 1
        { Set-DicomTags -Path (Join-Path $folder '*.dcm') -Tag @{ NoSuchKeyword = 'x' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'DicomTools.InvalidTag*'
    }

    It 'refuses a value its VR does not allow before touching anything' {
        $folder = New-SampleFolder 'badvalue' -Count 2
        $before = Get-Hashes $folder
        $err = $null
        try { Get-ChildItem -LiteralPath $folder -File | Set-DicomTags -Tag @{ StationName = 'x' * 17 } -ErrorAction Stop | Out-Null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.InvalidTagValue*'
        $err.ToString() | Should -Match '\(0008,1010\)'
        $after = Get-Hashes $folder
        foreach ($key in $before.Keys) { $after[$key] | Should -Be $before[$key] }
    }

    It 'Get-DicomTag reads top level by default, nested elements with -IncludeSequence, and only what -Tag asks' {
        $folder = New-SampleFolder 'get' -Count 1
        $file = Join-Path $folder 'IMG00001.dcm'
        $top = Get-DicomTag -LiteralPath $file
        $all = Get-DicomTag -LiteralPath $file -IncludeSequence
        ($top | Where-Object Depth -GT 0) | Should -BeNullOrEmpty
        ($all | Where-Object Depth -GT 0).Count | Should -BeGreaterThan 10
        $all[0] | Should -BeOfType ([DicomTools.Cmdlets.DicomTagValue])
        $asked = Get-DicomTag -LiteralPath $file -Tag PatientName, '(0020,0013)'
        $asked.Keyword | Should -Be @('PatientName', 'InstanceNumber')
        $nested = Get-DicomTag -LiteralPath $file -Tag RequestAttributesSequence -IncludeSequence
        $nested[0].Keyword | Should -Be 'RequestAttributesSequence'
        ($nested | Where-Object Depth -EQ 2).ParentPath | Sort-Object -Unique | Should -Be '(0040,0275)[0](0040,0008)[0]'
    }
}
