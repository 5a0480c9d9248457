namespace DicomTools.Engine.Upload.Scheduling
{
    /// <summary>
    /// A protocol whose <see cref="Protocols.IUploadProtocol.SendAsync"/> blocks its caller (synchronous I/O, the task
    /// already complete when it returns): the scheduler gives each of its workers a thread of its own instead of the
    /// thread pool, so that a worker carries file after file without a hop between threads, and a blocked send never
    /// holds a pool thread that timers and other work need.
    /// </summary>
    internal interface IBlockingUploadProtocol
    {
    }

    /// <summary>
    /// A protocol that reads from each file what it needs itself as it sends it (DIMSE reads the SOP class and instance
    /// for C-STORE and fills <see cref="UploadFile.SopInstanceUid"/>): the scheduler does not open and parse the file
    /// beforehand to find the identifiers that HTTP answers are matched by.
    /// </summary>
    internal interface IReadsOwnIdentifiers
    {
    }
}
