# Sample DICOM files for the help examples: a few small images of one series with the header an admin would
# see (patient, study, series, a referenced-image sequence), written with the module's own codec. Dot-source
# after the module is imported (DicomTools.Dicom must be loaded).

function New-HelpSampleData {
    param(
        [Parameter(Mandatory)] [string] $Folder,
        [int] $Count = 3
    )
    $null = New-Item -ItemType Directory -Force -Path $Folder
    $root = '1.2.826.0.1.3680043.10.1234.77'
    $study = "$root.1"; $series = "$root.1.1"
    $pixels = [byte[]]::new(8 * 8 * 2)
    for ($i = 1; $i -le $Count; $i++) {
        $reference = [DicomTools.Dicom.DicomDatasetBuilder]::new()
        $null = $reference.Add('ReferencedSOPClassUID', '1.2.840.10008.5.1.4.1.1.7').Add('ReferencedSOPInstanceUID', "$series.$([Math]::Max(1, $i - 1))")
        $dataset = [DicomTools.Dicom.DicomDatasetBuilder]::new()
        $null = $dataset.Add('SOPClassUID', '1.2.840.10008.5.1.4.1.1.7').Add('SOPInstanceUID', "$series.$i").
            Add('StudyDate', '20261127').Add('Modality', 'OT').Add('InstitutionName', 'Northside Animal Hospital').
            Add('PatientName', 'Unknown^Dog').Add('PatientID', 'TMP-0001').Add('PatientComments', 'Fasted 12 h').
            Add('StudyInstanceUID', $study).Add('SeriesInstanceUID', $series).Add('InstanceNumber', "$i").
            Add('SamplesPerPixel', '1').Add('PhotometricInterpretation', 'MONOCHROME2').Add('Rows', '8').Add('Columns', '8').
            Add('BitsAllocated', '16').Add('BitsStored', '12').Add('HighBit', '11').Add('PixelRepresentation', '0')
        $null = $dataset.AddSequence([DicomTools.Dicom.DicomTag]::new(0x0008, 0x1140), [DicomTools.Dicom.DicomDatasetBuilder[]] @($reference))
        $null = $dataset.AddBinary([DicomTools.Dicom.DicomTag]::new(0x7FE0, 0x0010), 'OW', $pixels)
        [DicomTools.Dicom.DicomFileWriter]::Write((Join-Path $Folder ('IMG{0:000}.dcm' -f $i)), $dataset, '1.2.840.10008.1.2.1')
    }
}
