# Template: build.ps1 stamps ModuleVersion and copies this into out/DicomTools/<version>/.
@{
    # No script runs at import: a fresh process pays no psm1 parse, compile and run (issue 12: start-up). The
    # loader's initializer runs first and decides what the names in DicomTools.Assemblies.psd1 (the cmdlets, the
    # codec, the Engine, named by assembly) resolve to; see that file.
    NestedModules        = @('DicomTools.Loader.dll', 'DicomTools.Assemblies.psd1')
    ModuleVersion        = '0.0.0'
    # Desktop: built for Windows PowerShell 5.1 (netstandard2.0), not tested in CI (see Description and README).
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5d1f0a51-6c1e-4b7e-9d0b-2b4f1e9c7a31'
    Author               = 'DicomTools contributors'
    CompanyName          = 'DicomTools'
    Copyright            = '(c) DicomTools contributors. MIT License.'
    Description          = 'Verify and update the tags of a sample''s DICOM images and move them safely into lab systems: metadata, tagging, upload with retries, analytics. Tested in CI on PowerShell 7; built for Windows PowerShell 5.1 (netstandard2.0), not tested in CI.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('DicomTools.Format.ps1xml')
    # One array expression, not one line per name: PowerShell evaluates a multi-line @( ) as a statement list, and
    # that compiled and interpreted path cost every fresh process ~65 JIT-compiled methods at import (issue 12).
    CmdletsToExport      = @('Get-DicomTag', 'Set-DicomTags', 'Get-SampleMetadata', 'Start-SampleAnalytics',
        'Send-DicomFile', 'Send-DicomToolsLog', 'Invoke-SampleUpload', 'Test-DicomConnection', 'Test-SampleConnection')
    FunctionsToExport    = @()
    AliasesToExport      = @('Set-DicomTag')
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('DICOM', 'Medical', 'Imaging', 'Upload', 'Laboratory', 'PSEdition_Core', 'PSEdition_Desktop')
            # No LicenseUri/ProjectUri: the project has no public home yet, and a placeholder would send users nowhere.
            # The license is LICENSE in the module folder; add both URIs (and the cmdlets' HelpUri) once it has one.
            # The package's release notes; CHANGELOG.md (shipped in the module folder) has the full history.
            ReleaseNotes = '0.1.0: first release. Set-DicomTags/Get-DicomTag on our own streaming DICOM codec; Get-SampleMetadata, Send-DicomFile (Raw, STOW-RS, Archive, -Atomic), Start-SampleAnalytics with retries; Invoke-SampleUpload (also many samples from a CSV, and a true -WhatIf dry run), Test-SampleConnection and Send-DicomToolsLog; full help, formatting, tab completion, private AssemblyLoadContext for dependencies. Windows PowerShell 5.1: built for it (netstandard2.0), not tested in CI.'
        }
    }
}
