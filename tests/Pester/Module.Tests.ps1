BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $script:ModulePath -Force
}

Describe 'The built module' {
    It 'imports from out/ with the version the build stamped' {
        $module = Get-Module DicomTools
        $module | Should -Not -BeNullOrEmpty
        $module.Version | Should -Be ([version] (Split-Path (Split-Path $script:ModulePath) -Leaf))
    }

    It 'does not ship System.Management.Automation.dll' {
        Get-ChildItem -Recurse (Split-Path $script:ModulePath) -Filter System.Management.Automation.dll |
            Should -BeNullOrEmpty
    }
}
