BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $script:ModulePath -Force
}

Describe 'The built module' -Tag 'Module' {
    It 'imports from out/ with the version the build stamped' {
        $module = Get-Module DicomTools
        $module | Should -Not -BeNullOrEmpty
        $module.Version | Should -Be ([version] (Split-Path (Split-Path $script:ModulePath) -Leaf))
    }

    It 'runs no script at import (issue 12: start-up)' {
        $module = Get-Module DicomTools
        $module.ModuleType | Should -Be 'Manifest'
        @($module.NestedModules | Where-Object ModuleType -NE 'Binary' | ForEach-Object Name) | Should -Be @('DicomTools.Assemblies')
        @($module.NestedModules.NestedModules | Where-Object ModuleType -NE 'Binary') | Should -BeNullOrEmpty
        Get-ChildItem (Split-Path $script:ModulePath) -Recurse -File | Where-Object Extension -In '.psm1', '.ps1' | Should -BeNullOrEmpty
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @((Import-PowerShellDataFile $script:ModulePath).CmdletsToExport | Sort-Object)
        @($module.ExportedAliases.Keys) | Should -Be @('Set-DicomTag')
        (Get-Alias Set-DicomTag).ResolvedCommand.Name | Should -Be 'Set-DicomTags'
    }

    It 'does not ship System.Management.Automation.dll' {
        Get-ChildItem -Recurse (Split-Path $script:ModulePath) -Filter System.Management.Automation.dll |
            Should -BeNullOrEmpty
    }
}
