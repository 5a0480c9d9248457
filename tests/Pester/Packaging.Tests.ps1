# The package the build makes installs with Install-PSResource and works when imported by name: what an
# admin does on a new machine. The child processes get a home folder in TestDrive: PSResourceGet's
# repositories and its CurrentUser install path, and pwsh's user module path, all live under it, so the test
# touches no real configuration. (PSResourceGet derives its install path from HOME, not XDG_DATA_HOME.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildProcess.ps1')
    $script:ModuleFolder = Split-Path $script:ModulePath
    $script:Version = Split-Path $script:ModuleFolder -Leaf
}

Describe 'The module package' -Tag 'Packaging' {
    BeforeAll {
        $script:Repository = Join-Path $TestDrive 'repository'
        $script:Package = & (Join-Path $script:RepoRoot 'tools/New-ModulePackage.ps1') -ModuleFolder $script:ModuleFolder -DestinationPath $script:Repository
        $homeFolder = Join-Path $TestDrive 'home'
        $script:DataHome = Join-Path $homeFolder '.local/share'
        $null = New-Item -ItemType Directory -Force -Path $script:DataHome
        $script:Isolated = @{ HOME = $homeFolder; XDG_DATA_HOME = $script:DataHome; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null; PSModulePath = $null }
    }

    It 'is DicomTools.<version>.nupkg with the manifest''s metadata' {
        $script:Package.Name | Should -Be "DicomTools.$script:Version.nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($script:Package.FullName)
        try {
            $entries = $zip.Entries.FullName
            $entries | Should -Contain 'DicomTools.psd1'
            $entries | Should -Contain 'DicomTools.Loader.dll'
            $entries | Should -Contain 'dependencies/DicomTools.Cmdlets.dll'
            $entries | Should -Contain 'dependencies/DicomTools.Engine.dll'
            $entries | Should -Contain 'dependencies/Polly.Core.dll'
            # Both builds: netstandard2.0 above (Windows PowerShell 5.1), net10.0 ReadyToRun in core/ (PowerShell 7.6+).
            foreach ($name in 'DicomTools.Cmdlets.dll', 'DicomTools.Dicom.dll', 'DicomTools.Engine.dll', 'Polly.Core.dll', 'en-US/DicomTools.Cmdlets.dll-Help.xml') {
                $entries | Should -Contain "core/$name"
            }
            $entries | Should -Contain 'en-US/DicomTools.Cmdlets.dll-Help.xml'
            $entries | Should -Contain 'en-US/about_DicomTools.help.txt'
            $entries | Where-Object { $_ -like '*System.Management.Automation.dll' } | Should -BeNullOrEmpty
            $reader = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -EQ 'DicomTools.nuspec').Open())
            [xml] $nuspec = $reader.ReadToEnd(); $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $metadata = $nuspec.package.metadata
        $metadata.id | Should -Be 'DicomTools'
        $metadata.version | Should -Be $script:Version
        $metadata.tags | Should -Match 'DICOM'
        $metadata.tags | Should -Match 'PSModule'
        # The project has no public home yet: the manifest names none, so neither does the package (no placeholder).
        $manifestData = Import-PowerShellDataFile -LiteralPath $script:ModulePath
        $metadata.projectUrl | Should -Be $manifestData.PrivateData.PSData.ProjectUri
        "$($nuspec.OuterXml)" | Should -Not -Match 'example\.invalid'
        $metadata.releaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'installs from a local repository and imports by name in a fresh pwsh' {
        $install = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name DicomToolsLocal -Uri '$script:Repository' -Trusted
Install-PSResource -Name DicomTools -Repository DicomToolsLocal -Scope CurrentUser -TrustRepository -Quiet
(Get-InstalledPSResource -Name DicomTools -Scope CurrentUser).InstalledLocation
"@
        $installed = Invoke-ChildPwsh -Script $install -Environment $script:Isolated
        ($installed | Select-Object -Last 1) | Should -BeLike "$script:DataHome*"

        $use = @'
$ErrorActionPreference = 'Stop'
Import-Module DicomTools
$module = Get-Module DicomTools
"BASE $($module.ModuleBase)"
"VERSION $($module.Version)"
"CMDLETS $(@($module.ExportedCmdlets.Keys | Sort-Object) -join ',')"
"SYNOPSIS $((Get-Help Set-DicomTags).Synopsis)"
$file = New-TemporaryFile
try {
    Set-DicomTags -LiteralPath $file.FullName -Tag @{ PatientID = 'X' } -ErrorAction SilentlyContinue -ErrorVariable failed | Out-Null
    "ERROR $($failed[0].FullyQualifiedErrorId) $($failed[0].CategoryInfo.Category)"
}
finally { Remove-Item $file }
'@
        $output = Invoke-ChildPwsh -Script $use -Environment $script:Isolated
        $lines = @{}
        foreach ($l in $output) { if ($l -match '^(?<k>[A-Z]+) (?<v>.*)$') { $lines[$Matches.k] = $Matches.v } }
        $lines.BASE | Should -BeLike (Join-Path $script:DataHome 'powershell/Modules/DicomTools/*')
        $lines.VERSION | Should -Be $script:Version
        $lines.CMDLETS -split ',' | Should -Be @((Import-PowerShellDataFile $script:ModulePath).CmdletsToExport | Sort-Object)
        $lines.SYNOPSIS | Should -Not -BeNullOrEmpty
        # A file that is not DICOM: the installed codec reads it and refuses it per item, as it should.
        $lines.ERROR | Should -Match 'InvalidData'
    }
}
