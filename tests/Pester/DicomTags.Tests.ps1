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
        # A time in the past, so that any rewrite shows in the timestamp without waiting for the clock to move.
        Get-ChildItem -LiteralPath $folder -File | ForEach-Object { $_.LastWriteTimeUtc = [datetime]::new(2001, 1, 1, 0, 0, 0, [DateTimeKind]::Utc) }
        $before = Get-ChildItem -LiteralPath $folder -File | ForEach-Object { @{ Path = $_.FullName; Time = $_.LastWriteTimeUtc; Hash = (Get-FileHash $_.FullName).Hash } }

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

    It 'Get-DicomTag takes tags as keywords, (gggg,eeee), gggg,eeee and ggggeeee, and types values by VR with the text kept' {
        $folder = New-SampleFolder 'typed' -Count 1
        $file = Join-Path $folder 'IMG00001.dcm'
        $read = Get-DicomTag -LiteralPath $file -Tag ImageType, '(0008,0020)', '0008,0030', '00100020', InstanceNumber, PixelSpacing, Rows
        $read.Keyword | Should -Be @('ImageType', 'StudyDate', 'StudyTime', 'PatientID', 'InstanceNumber', 'Rows', 'PixelSpacing')
        $byName = @{}; foreach ($r in $read) { $byName[$r.Keyword] = $r }
        $byName.StudyDate.Value | Should -BeOfType [datetime]
        $byName.StudyDate.Value.ToString('yyyyMMdd') | Should -Be $byName.StudyDate.RawValue
        $byName.StudyTime.Value | Should -BeOfType [timespan]
        $byName.PatientID.Value | Should -BeOfType [string]
        $byName.InstanceNumber.Value | Should -BeOfType [int]
        $byName.Rows.Value | Should -BeOfType [int]
        $byName.Rows.Value | Should -Be 64
        @($byName.PixelSpacing.Value) | Should -Be @(0.625, 0.625)
        $byName.PixelSpacing.Value[0] | Should -BeOfType [double]
        $byName.PixelSpacing.Value.ToString() | Should -Be '0.625\0.625'
        $byName.PixelSpacing.RawValue | Should -Be '0.625\0.625'
        @($byName.ImageType.Value) | Should -Be @('ORIGINAL', 'PRIMARY', 'AXIAL')
        $byName.PatientID.PSPath | Should -Be "Microsoft.PowerShell.Core\FileSystem::$file"
        "$($byName.PatientID)" | Should -Be "(0010,0020) PatientID $($byName.PatientID.RawValue)"
    }

    It 'Get-DicomTag -AsRow writes one row per file and column per tag: a tidy CSV' {
        $folder = New-SampleFolder 'report' -Count 3
        $rows = @(Get-ChildItem -LiteralPath $folder -Recurse -Filter *.dcm |
            Get-DicomTag -Tag PatientID, PatientName, StudyDate, '(0020,0013)', '(0009,1001)', '(0077,1001)' -AsRow)
        $rows.Count | Should -Be 3
        $rows[0].PSTypeNames[0] | Should -Be 'DicomTools.DicomTagRow'
        $rows[0].PSObject.Properties.Name | Should -Be @('PatientID', 'PatientName', 'StudyDate', 'InstanceNumber', '(0009,1001)', '(0077,1001)', 'Path', 'PSPath')
        $rows[0].StudyDate | Should -BeOfType [datetime]
        $rows[0].InstanceNumber | Should -BeOfType [int]
        $rows[0].'(0009,1001)' | Should -Be 'sample-generator'
        $rows[0].'(0077,1001)' | Should -BeNullOrEmpty
        $csv = Join-Path $TestDrive 'report.csv'
        $rows | Export-Csv -LiteralPath $csv
        (Get-Content -LiteralPath $csv -TotalCount 1) | Should -Be '"PatientID","PatientName","StudyDate","InstanceNumber","(0009,1001)","(0077,1001)","Path","PSPath"'
        $back = @(Import-Csv -LiteralPath $csv)
        $back.Count | Should -Be 3
        $back.PatientName | Sort-Object -Unique | Should -Be 'Rex^Garcia'
        $back.Path | Should -Be $rows.Path
        (Get-Content -LiteralPath $csv -Raw) | Should -Not -Match 'DicomTools\.|System\.'
        $err = $null
        try { Get-ChildItem -LiteralPath $folder -Filter *.dcm | Get-DicomTag -AsObject -IncludeSequence -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.InvalidParameterCombination*'
    }

    It 'Get-DicomTag output pipes into Set-DicomTags, Copy-Item and Remove-Item by PSPath' {
        $folder = New-SampleFolder 'chain' -Count 3
        $first = Join-Path $folder 'IMG00001.dcm'
        $null = Set-DicomTags -LiteralPath $first -Tag @{ PatientID = 'CHAIN-1' }
        $tagged = Get-ChildItem -LiteralPath $folder -Filter *.dcm | Get-DicomTag -Tag PatientID | Where-Object Value -EQ 'CHAIN-1'
        $tagged.Path | Should -Be $first
        ($tagged | Set-DicomTags -Tag @{ PatientComments = 'chained' }).Path | Should -Be $first
        (Get-DicomTag -LiteralPath $first -Tag PatientComments).Value | Should -Be 'chained'
        $copies = Join-Path $TestDrive 'chain-copies'
        $null = New-Item -ItemType Directory $copies
        $tagged | Copy-Item -Destination $copies
        (Get-ChildItem -LiteralPath $copies).Name | Should -Be 'IMG00001.dcm'
        $tagged | Remove-Item -WhatIf
        Test-Path -LiteralPath $first | Should -BeTrue
        Get-DicomTag -LiteralPath $first -Tag PatientID -AsRow | Remove-Item
        Test-Path -LiteralPath $first | Should -BeFalse
    }
}

Describe 'Set-DicomTags -ErrorAction Stop and Get-DicomTag warnings' -Tag 'DicomTags', 'FailureSemantics' {
    It 'writes the result of every file it rewrote before the terminating error (issue 9 item 22)' {
        # Many files, several edited at once, a damaged one early: when its error stops the command, files beside it were
        # already being written; each of those must have its result in the output.
        $source = New-SampleFolder 'stop-source' -Count 1
        $image = (Get-ChildItem -LiteralPath $source -Filter *.dcm)[0].FullName
        $folder = Join-Path $TestDrive 'stop'
        $null = New-Item -ItemType Directory $folder
        foreach ($i in 1..240) { Copy-Item -LiteralPath $image -Destination (Join-Path $folder ('IMG{0:D4}.dcm' -f $i)) }
        $damaged = Join-Path $folder 'IMG0010.dcm'
        Set-Content -LiteralPath $damaged -Value 'not a DICOM file'
        $before = Get-Hashes $folder
        $inputs = @(Get-ChildItem -LiteralPath $folder -Filter *.dcm | Sort-Object Name)

        $results = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try { $inputs | Set-DicomTags -Metadata $script:Metadata -ThrottleLimit 8 -ErrorAction Stop | ForEach-Object { $results.Add($_) } }
        catch { $err = $_ }

        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'DicomTools.InvalidDicomFile*'
        $after = Get-Hashes $folder
        $rewritten = @($before.Keys | Where-Object { $after[$_] -ne $before[$_] } | Sort-Object)
        $updated = @($results | Where-Object Status -EQ 'Updated' | ForEach-Object SourcePath | Sort-Object)
        Write-Host ("-ErrorAction Stop: {0} files rewritten, {1} results ({2} Updated) before the error" -f $rewritten.Count, $results.Count, $updated.Count)
        $rewritten.Count | Should -BeGreaterThan 0
        $updated | Should -Be $rewritten
        # The damaged file has its result too, left byte-identical; results keep input order.
        ($results | Where-Object SourcePath -EQ $damaged).Status | Should -Be 'Failed'
        $after[$damaged] | Should -Be $before[$damaged]
        $positions = @($results | ForEach-Object { [array]::IndexOf($inputs.FullName, $_.SourcePath) })
        $positions | Should -Be ($positions | Sort-Object)
        $results.Count | Should -BeLessThan $inputs.Count
    }

    It 'Get-DicomTag writes the reader''s warnings for an odd but readable file, naming it (issue 9 item 7)' {
        $folder = New-SampleFolder 'warnings' -Count 2
        $files = @(Get-ChildItem -LiteralPath $folder -Filter *.dcm | Sort-Object Name)
        # Zero padding after the pixel data, as some tools write: read leniently, with a warning.
        $stream = [IO.File]::Open($files[0].FullName, 'Open', 'ReadWrite')
        try { $stream.SetLength($stream.Length + 4096) } finally { $stream.Dispose() }

        $values = @(Get-DicomTag -LiteralPath $files[0].FullName -WarningVariable warned -WarningAction SilentlyContinue)
        $values.Count | Should -BeGreaterThan 10
        $warned.Count | Should -Be 1
        $warned[0].Message | Should -BeLike "$($files[0].FullName): 4096 zero bytes follow the last element*"

        $clean = @(Get-DicomTag -LiteralPath $files[1].FullName -WarningVariable quiet -WarningAction SilentlyContinue)
        $clean.Count | Should -BeGreaterThan 10
        $quiet.Count | Should -Be 0
    }
}

Describe 'Set-DicomTags and files on disk' -Tag 'DicomTags', 'FileSafety' {
    It 'refuses a read-only file (mode 0444) as PermissionDenied and leaves it byte-identical; -Force replaces it and keeps the mode' -Skip:(-not $IsLinux) {
        # The suite runs as root, which access(2) lets write anything: the rule is the mode bits (see SafeFileReplacer).
        $folder = New-SampleFolder 'readonly' -Count 1
        $file = (Get-ChildItem -LiteralPath $folder -Filter *.dcm)[0].FullName
        & chmod 0444 $file
        $before = (Get-FileHash -LiteralPath $file).Hash
        $result = Set-DicomTags -LiteralPath $file -Metadata $script:Metadata -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DicomTools.AccessDenied*'
        $problems[0].ToString() | Should -BeLike '*read-only (mode 0444)*-Force*'
        (Get-FileHash -LiteralPath $file).Hash | Should -Be $before

        (Set-DicomTags -LiteralPath $file -Metadata $script:Metadata -Force).Status | Should -Be 'Updated'
        (Get-Item -LiteralPath $file).UnixFileMode.ToString() | Should -Be 'OtherRead, GroupRead, UserRead'
        Get-ChildItem -LiteralPath $folder -Force -Filter *.tmp | Should -BeNullOrEmpty
    }

    It 'reports a FIFO named *.dcm as an error record without blocking Get-DicomTag or Set-DicomTags' -Skip:(-not $IsLinux) {
        $folder = New-SampleFolder 'fifo' -Count 2
        $fifo = Join-Path $folder 'pipe.dcm'
        & mkfifo $fifo
        $results = Get-ChildItem -LiteralPath $folder -Filter *.dcm | Set-DicomTags -Metadata $script:Metadata -ErrorVariable problems -ErrorAction SilentlyContinue
        ($results | Where-Object Status -EQ 'Updated').Count | Should -Be 2
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].Exception.Message | Should -BeLike "*$fifo*FIFO*"
        $read = Get-DicomTag -LiteralPath $fifo -ErrorVariable readProblems -ErrorAction SilentlyContinue
        $read | Should -BeNullOrEmpty
        $readProblems.Count | Should -Be 1
    }

    It 'does not copy files already under -Destination when it lies inside the source tree' {
        $folder = New-SampleFolder 'inside' -Count 2
        Push-Location $folder
        try {
            $null = Get-ChildItem -Recurse -Filter *.dcm | Set-DicomTags -Metadata $script:Metadata -Destination ./out
            # A second recursive run sees ./out's copies: they are refused, never copied to ./out/out.
            $again = Get-ChildItem -Recurse -Filter *.dcm | Set-DicomTags -Metadata $script:Metadata -Destination ./out -ErrorVariable problems -ErrorAction SilentlyContinue
        }
        finally { Pop-Location }
        Test-Path (Join-Path $folder 'out/out') | Should -BeFalse
        ($again | Where-Object Status -EQ 'Failed').Count | Should -Be 2
        $problems[0].Exception.Message | Should -BeLike '*copies of copies*'
    }
}

Describe 'Set-DicomTags killed at random moments' -Tag 'KillTrials' {
    # Each trial starts a child pwsh that edits, and SIGKILLs it at a random moment of the edit; every file must then be
    # the old or the new version (sha256), and the next run must remove what the killed one left.
    # Bounded by trial count and by time: at least $minTrials trials (the test's power), at most $maxTrials, and no new
    # trial is started once the next one would likely end past the budget (60 s with the setup by default;
    # DICOMTOOLS_KILL_BUDGET_SEC to change it), so a loaded machine runs fewer trials instead of running over.
    It 'leaves every file old or new and no leftovers after the next run' -Skip:(-not $IsLinux) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $budgetSec = if ($env:DICOMTOOLS_KILL_BUDGET_SEC) { [double]$env:DICOMTOOLS_KILL_BUDGET_SEC } else { 60 }
        $minTrials = 6; $maxTrials = 24
        $seed = if ($env:DICOMTOOLS_KILL_SEED) { [int]$env:DICOMTOOLS_KILL_SEED } else { Get-Random }
        $random = [Random]::new($seed)
        $pristine = Join-Path $TestDrive 'kill-pristine'
        $null = New-Item -ItemType Directory $pristine
        # One big file: a real image plus 200 MB of Data Set Trailing Padding (FFFC,FFFC) OB, sparse, so it is cheap to make
        # but every byte is copied by the edit.
        $bigSource = New-SampleFolder 'kill-big' -Count 1
        $big = Join-Path $pristine 'big.dcm'
        Copy-Item -LiteralPath (Get-ChildItem -LiteralPath $bigSource -Filter *.dcm)[0].FullName $big
        $stream = [IO.File]::Open($big, 'Open', 'ReadWrite')
        try {
            $null = $stream.Seek(0, 'End')
            $header = [byte[]](0xFC, 0xFF, 0xFC, 0xFF, 0x4F, 0x42, 0, 0) + [BitConverter]::GetBytes([uint32]200MB)
            $stream.Write($header, 0, $header.Length)
            $stream.SetLength($stream.Length + 200MB)
        }
        finally { $stream.Dispose() }
        $many = New-SampleFolder 'kill-many' -Count 24
        Copy-Item -LiteralPath $many -Destination (Join-Path $pristine 'many') -Recurse

        # The new versions: the same edit, run to the end on a copy.
        $expected = Join-Path $TestDrive 'kill-expected'
        Copy-Item -LiteralPath $pristine -Destination $expected -Recurse
        $null = Get-ChildItem -LiteralPath $expected -Recurse -Filter *.dcm | Set-DicomTags -Metadata $script:Metadata
        $old = @{}; $new = @{}
        foreach ($f in Get-ChildItem -LiteralPath $pristine -Recurse -Filter *.dcm) {
            $relative = [IO.Path]::GetRelativePath($pristine, $f.FullName)
            $old[$relative] = (Get-FileHash -LiteralPath $f.FullName -Algorithm SHA256).Hash
            $new[$relative] = (Get-FileHash -LiteralPath (Join-Path $expected $relative) -Algorithm SHA256).Hash
            $new[$relative] | Should -Not -Be $old[$relative]
        }

        $work = Join-Path $TestDrive 'kill-work'
        $child = Join-Path $TestDrive 'kill-child.ps1'
        Set-Content -LiteralPath $child -Value @'
param([string] $Module, [string] $Target)
Import-Module $Module
$metadata = @{ SampleId = 'ref0000022tes-cbc'; PatientName = 'Bella^Smith'; Species = 'Feline'; TestType = 'CBC'; ClinicName = 'Northside Vets' }
[Console]::Out.WriteLine('ready'); [Console]::Out.Flush()
$null = Get-ChildItem -LiteralPath $Target -Recurse -Filter *.dcm | Set-DicomTags -Metadata $metadata
[Console]::Out.WriteLine('done'); [Console]::Out.Flush()
'@
        function Start-Edit([string] $Target) {
            $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $child, $script:ModulePath, $Target)) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardOutput = $true
            $info.UseShellExecute = $false
            $process = [Diagnostics.Process]::Start($info)
            $line = $process.StandardOutput.ReadLineAsync()
            if (-not $line.Wait(60000) -or $line.Result -ne 'ready') { $process.Kill(); throw 'The child did not start.' }
            $process
        }
        function Reset-Work {
            if (Test-Path $work) { Remove-Item -LiteralPath $work -Recurse -Force }
            Copy-Item -LiteralPath $pristine -Destination $work -Recurse
        }

        # How long a whole edit takes here, to spread the kills over it.
        Reset-Work
        $timing = Start-Edit $work
        $edit = [Diagnostics.Stopwatch]::StartNew()
        if (-not $timing.WaitForExit(120000)) { $timing.Kill(); throw 'The edit did not finish.' }
        $editMs = [int]$edit.ElapsedMilliseconds
        $timing.ExitCode | Should -Be 0

        $oldSeen = 0; $newSeen = 0; $leftovers = 0; $slowestSec = 0.0
        Reset-Work
        $loop = [Diagnostics.Stopwatch]::StartNew()
        for ($trial = 0; $trial -lt $maxTrials; $trial++) {
            if ($trial -ge $minTrials) {
                # The slowest trial so far is the estimate: kills of the big file and of the folder cost differently.
                if ($clock.Elapsed.TotalSeconds + $slowestSec -gt $budgetSec) { break }
            }
            $trialStart = $loop.Elapsed.TotalSeconds
            $target = if ($trial % 2 -eq 0) { Join-Path $work 'big.dcm' } else { Join-Path $work 'many' }
            $process = Start-Edit $target
            $delay = $random.Next(0, [Math]::Max(1, [int]($editMs * 1.1)))
            # A random kill moment, not a wait for something: the child is killed wherever it is.
            Start-Sleep -Milliseconds $delay
            $process.Kill()
            $process.WaitForExit()
            foreach ($relative in $old.Keys) {
                $hash = (Get-FileHash -LiteralPath (Join-Path $work $relative) -Algorithm SHA256).Hash
                $hash | Should -BeIn @($old[$relative], $new[$relative]) -Because "trial $trial (seed $seed, kill after $delay ms): $relative must be old or new"
                if ($hash -eq $old[$relative]) { $oldSeen++ }
                else {
                    # Only what the kill let through is put back, so the next trial edits it again (copying 200 MB costs).
                    $newSeen++
                    Copy-Item -LiteralPath (Join-Path $pristine $relative) -Destination (Join-Path $work $relative) -Force
                }
            }
            $left = @(Get-ChildItem -LiteralPath $work -Recurse -Force -Filter '.*.tmp')
            $leftovers += $left.Count
            if ($left.Count -gt 0) {
                # The next run removes them (their writer is dead, so nobody holds their flock) and says so.
                $null = Get-ChildItem -LiteralPath $work -Recurse -Filter *.dcm | Set-DicomTags -Metadata $script:Metadata -WarningVariable warned -WarningAction SilentlyContinue
                @(Get-ChildItem -LiteralPath $work -Recurse -Force -Filter '.*.tmp').Count | Should -Be 0
                $warned.Count | Should -BeGreaterOrEqual 1
                # That run finished the edit: put the originals back, or the next trials would find nothing to edit.
                foreach ($relative in $old.Keys) {
                    $path = Join-Path $work $relative
                    if ((Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash -ne $old[$relative]) {
                        Copy-Item -LiteralPath (Join-Path $pristine $relative) -Destination $path -Force
                    }
                }
            }
            $slowestSec = [Math]::Max($slowestSec, $loop.Elapsed.TotalSeconds - $trialStart)
        }
        $trials = $trial
        $clock.Stop()
        $trials | Should -BeGreaterOrEqual $minTrials
        Write-Host ("Kill trials: {0} trials (min {1}, max {2}, budget {3} s; seed {4}), full edit {5} ms, slowest trial {6:n1} s, files seen old {7} / new {8}, temp files left by kills {9} (all removed by the next run), {10:n1} s in all" -f
            $trials, $minTrials, $maxTrials, $budgetSec, $seed, $editMs, $slowestSec, $oldSeen, $newSeen, $leftovers, $clock.Elapsed.TotalSeconds)
    }
}
