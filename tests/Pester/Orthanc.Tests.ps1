BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # Outside CI a machine without Orthanc skips these; with CI=true they run and fail loudly.
    $script:NoOrthanc = (Test-SkipWithout 'Orthanc') -and -not (Test-Path /usr/sbin/Orthanc)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    Import-Module $script:ModulePath -Force

    $script:Orthanc = Start-TestOrthanc
    $script:Auth = @{ Credential = $script:Orthanc.Credential; RetryIntervalSec = 0.1 }
    $script:Instances = "$($script:Orthanc.Url)/instances"
    $script:Stow = "$($script:Orthanc.Url)/dicom-web/studies"

    $script:Uid = 0
    # Files of one new patient per call, so every test sees only its own instances.
    # -WithBadFile adds a DICOM file cut short, as a half-finished copy leaves it: its header (and identifiers) read
    # fine, but Orthanc refuses it. -WithNonDicomFile adds a text file.
    function New-OrthancFolder([int] $Count = 3, [switch] $WithBadFile, [switch] $WithNonDicomFile) {
        $script:Uid++
        $patient = "PAT-$PID-$($script:Uid)"
        $folder = Join-Path $TestDrive $patient
        $null = New-Item -ItemType Directory -Path $folder
        foreach ($i in 1..$Count) {
            $null = New-TestDicomFile -Path (Join-Path $folder "img$i.dcm") -PatientId $patient -PixelBytes 5000 `
                -StudyInstanceUid "1.2.826.0.1.3680043.2.1125.88.$PID.$($script:Uid)" `
                -SeriesInstanceUid "1.2.826.0.1.3680043.2.1125.88.$PID.$($script:Uid).1" `
                -SopInstanceUid "1.2.826.0.1.3680043.2.1125.88.$PID.$($script:Uid).1.$i"
        }
        if ($WithBadFile) {
            $bad = Join-Path $folder 'zz-bad.dcm'
            $null = New-TestDicomFile -Path $bad -PatientId $patient -PixelBytes 5000 `
                -StudyInstanceUid "1.2.826.0.1.3680043.2.1125.88.$PID.$($script:Uid)" `
                -SeriesInstanceUid "1.2.826.0.1.3680043.2.1125.88.$PID.$($script:Uid).1" `
                -SopInstanceUid "1.2.826.0.1.3680043.2.1125.88.$PID.$($script:Uid).1.99"
            $bytes = [System.IO.File]::ReadAllBytes($bad)
            [System.IO.File]::WriteAllBytes($bad, [byte[]] $bytes[0..($bytes.Length - 3000)])
        }
        if ($WithNonDicomFile) { Set-Content -LiteralPath (Join-Path $folder 'zz-notes.dcm') -Value 'not DICOM at all' }
        [pscustomobject]@{ Folder = $folder; PatientId = $patient }
    }

    function Invoke-Orthanc([string] $Method, [string] $Path, [object] $Body) {
        $params = @{ Method = $Method; Uri = "$($script:Orthanc.Url)$Path"; Credential = $script:Orthanc.Credential; Authentication = 'Basic'; AllowUnencryptedAuthentication = $true }
        if ($null -ne $Body) { $params.Body = $Body; $params.ContentType = 'text/plain' }
        Invoke-RestMethod @params
    }

    # What Orthanc holds of a patient: its instances' SOP Instance UIDs (asked through /tools/find).
    function Get-OrthancSopUid([string] $PatientId) {
        $query = @{ Level = 'Instance'; Query = @{ PatientID = $PatientId }; Expand = $true } | ConvertTo-Json -Compress
        # Assigned first: Invoke-RestMethod writes an empty JSON array as one (empty) object, not as nothing.
        $found = Invoke-Orthanc POST '/tools/find' $query
        @(foreach ($instance in $found) { $instance.MainDicomTags.SOPInstanceUID })
    }
}

AfterAll {
    if ($script:Orthanc) { Stop-TestOrthanc $script:Orthanc }
}

Describe 'Send-DicomFile against a real Orthanc' -Tag 'Orthanc' -Skip:$script:NoOrthanc {
    It 'uploads a folder Raw to /instances; Orthanc holds each instance with its PatientID' {
        $set = New-OrthancFolder 3
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances @script:Auth)

        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        foreach ($result in $results) {
            $tags = Invoke-Orthanc GET "/instances/$($result.ServerId)/simplified-tags"
            $tags.SOPInstanceUID | Should -Be $result.SopInstanceUid
            $tags.PatientID | Should -Be $set.PatientId
        }
        (Get-OrthancSopUid $set.PatientId | Sort-Object) | Should -Be ($results.SopInstanceUid | Sort-Object)
    }

    It 'reports the same folder sent again as AlreadyStored, without errors' {
        $set = New-OrthancFolder 2
        $null = Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances @script:Auth
        $again = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances @script:Auth -ErrorVariable errs)
        $again.Status | Sort-Object -Unique | Should -Be 'AlreadyStored'
        $errs | Should -BeNullOrEmpty
    }

    It 'keeps working after Orthanc closed the idle keep-alive connection (about 1 s)' {
        $set = New-OrthancFolder 2
        $files = @(Get-ChildItem $set.Folder)
        (Send-DicomFile -LiteralPath $files[0].FullName -Uri $script:Instances @script:Auth).Status | Should -Be 'Stored'
        # Wait for what the test is about, Orthanc closing its idle keep-alive connections, not for a guess of its timeout.
        $port = ([uri] $script:Orthanc.Url).Port
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ((ss -Htn state established "( dport = :$port )") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        ss -Htn state established "( dport = :$port )" | Should -BeNullOrEmpty
        $second = Send-DicomFile -LiteralPath $files[1].FullName -Uri $script:Instances @script:Auth -ErrorVariable errs
        $second.Status | Should -Be 'Stored'
        $errs | Should -BeNullOrEmpty
    }

    It 'uploads STOW-RS to /dicom-web/studies, reading each file from the Referenced SOP Sequence' {
        $set = New-OrthancFolder 4
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Stow -Protocol StowRs -BatchSize 3 @script:Auth)
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        (Get-OrthancSopUid $set.PatientId | Sort-Object) | Should -Be ($results.SopInstanceUid | Sort-Object)
    }

    It 'reports a STOW-RS part Orthanc refused as Failed and the others as Stored' {
        $set = New-OrthancFolder 2 -WithBadFile
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Stow -Protocol StowRs @script:Auth -ErrorVariable errs -ErrorAction SilentlyContinue)
        @($results | Where-Object Status -EQ 'Stored').Count | Should -Be 2
        ($results | Where-Object Status -EQ 'Failed').Name | Should -Be 'zz-bad.dcm'
        $errs.Count | Should -Be 1
        @(Get-OrthancSopUid $set.PatientId).Count | Should -Be 2
    }

    It 'uploads a ZIP to /instances and matches Orthanc''s list of stored IDs to the files' {
        $set = New-OrthancFolder 3
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances -Protocol Archive @script:Auth)
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        foreach ($result in $results) {
            (Invoke-Orthanc GET "/instances/$($result.ServerId)/simplified-tags").SOPInstanceUID | Should -Be $result.SopInstanceUid
        }
    }

    It 'with -Atomic (Archive) and a bad file, rolls back: Orthanc has none of the set afterwards' {
        $set = New-OrthancFolder 3 -WithBadFile
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances -Atomic @script:Auth -ErrorVariable errs -ErrorAction SilentlyContinue)

        $results.Count | Should -Be 4
        $results.Status | Sort-Object -Unique | Should -Be 'Failed'
        @($results | Where-Object RolledBack).Count | Should -Be 3
        $errs.Count | Should -Be 4
        Get-OrthancSopUid $set.PatientId | Should -BeNullOrEmpty
    }

    It 'with -Atomic (STOW-RS) and a bad file, rolls back too' {
        $set = New-OrthancFolder 2 -WithBadFile
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Stow -Protocol StowRs -Atomic @script:Auth -ErrorAction SilentlyContinue)
        $results.Status | Sort-Object -Unique | Should -Be 'Failed'
        @($results | Where-Object RolledBack).Count | Should -Be 2
        Get-OrthancSopUid $set.PatientId | Should -BeNullOrEmpty
    }

    It 'with -Atomic leaves in place what Orthanc held before the request' {
        $set = New-OrthancFolder 2 -WithBadFile
        $first = Get-Item -LiteralPath (Join-Path $set.Folder 'img1.dcm')
        $before = Send-DicomFile -LiteralPath $first.FullName -Uri $script:Instances @script:Auth
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances -Atomic @script:Auth -ErrorAction SilentlyContinue)

        ($results | Where-Object Name -EQ 'img1.dcm').RolledBack | Should -BeFalse
        ($results | Where-Object Name -EQ 'img1.dcm').Message | Should -Match 'left in place'
        ($results | Where-Object Name -EQ 'img2.dcm').RolledBack | Should -BeTrue
        Get-OrthancSopUid $set.PatientId | Should -Be $before.SopInstanceUid
    }

    It 'with -Atomic and a file that is not DICOM at all, sends nothing (it could not be rolled back by ID)' {
        $set = New-OrthancFolder 2 -WithNonDicomFile
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances -Atomic @script:Auth -ErrorVariable errs -ErrorAction SilentlyContinue)
        $results.Status | Sort-Object -Unique | Should -Be 'Failed'
        ($results | Where-Object Name -EQ 'zz-notes.dcm').Message | Should -Match 'identifiers could not be read'
        $errs.Count | Should -Be 3
        Get-OrthancSopUid $set.PatientId | Should -BeNullOrEmpty
    }

    It 'with -Atomic and every file good, stores the set' {
        $set = New-OrthancFolder 3
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances -Atomic @script:Auth)
        $results.Status | Sort-Object -Unique | Should -Be 'Stored'
        @(Get-OrthancSopUid $set.PatientId).Count | Should -Be 3
    }

    It 'fails with PermissionDenied on a wrong password, and the password appears nowhere' {
        $set = New-OrthancFolder 1
        $password = 'Wrong-Orthanc-pw-5531'
        $credential = [pscredential]::new($script:Orthanc.Credential.UserName, (ConvertTo-SecureString $password -AsPlainText -Force))
        $all = Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances -Credential $credential -RetryIntervalSec 0.1 -ErrorVariable errs -ErrorAction SilentlyContinue -Verbose *>&1
        $errs[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        (($all | Out-String) + ($errs | Format-List * -Force | Out-String)) | Should -Not -Match $password
    }

    It 'stops sending after Orthanc refuses the password: one error record, the other files NotSent' {
        $set = New-OrthancFolder 4
        $credential = [pscredential]::new($script:Orthanc.Credential.UserName, (ConvertTo-SecureString 'Wrong-Orthanc-pw-7702' -AsPlainText -Force))
        $results = @(Get-ChildItem $set.Folder | Send-DicomFile -Uri $script:Instances -Credential $credential -ThrottleLimit 1 -RetryIntervalSec 0.1 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 4
        $results[0].Status | Should -Be 'Failed'
        $results[0].StatusCode | Should -Be 401
        $results[1..3].Status | Sort-Object -Unique | Should -Be 'NotSent'
        $results[1..3].Message | ForEach-Object { $_ | Should -Match 'refused the credential' }
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
    }
}
