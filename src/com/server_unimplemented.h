/* The members of IVMVirtualServer vsdisk does not implement (server_unimplemented.c), in
 * vtable order: those outside the virtual hard disk API, and CreateHostDriveVirtualHardDisk.
 * Each returns E_NOTIMPL with an IErrorInfo description naming the member. */
#ifndef VSDISK_SERVER_UNIMPLEMENTED_H
#define VSDISK_SERVER_UNIMPLEMENTED_H

#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"
#include "floppy_image.h"       /* the floppy image members, implemented in floppy_image.c */

HRESULT WINAPI server_get_HostInfo(IVsDiskVirtualServer *iface, IVMHostInfo **hostInfo);
HRESULT WINAPI server_QueryLocale(IVsDiskVirtualServer *iface, BSTR inLanguage, ULONG *outLocale);
HRESULT WINAPI server_get_DefaultLocale(IVsDiskVirtualServer *iface, ULONG *defaultLocale);
HRESULT WINAPI server_put_Locale(IVsDiskVirtualServer *iface, ULONG locale);
HRESULT WINAPI server_FindVirtualMachine(IVsDiskVirtualServer *iface, BSTR configurationName, IVMVirtualMachine **findVirtualMachine);
HRESULT WINAPI server_CreateVirtualMachine(IVsDiskVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualMachine **createVirtualMachine);
HRESULT WINAPI server_DeleteVirtualMachine(IVsDiskVirtualServer *iface, IVMVirtualMachine *VirtualMachine);
HRESULT WINAPI server_RegisterVirtualMachine(IVsDiskVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualMachine **registerVirtualMachine);
HRESULT WINAPI server_UnregisterVirtualMachine(IVsDiskVirtualServer *iface, IVMVirtualMachine *VirtualMachine);
HRESULT WINAPI server_get_VirtualMachines(IVsDiskVirtualServer *iface, IVMVirtualMachineCollection **virtualMachines);
HRESULT WINAPI server_FindVirtualNetwork(IVsDiskVirtualServer *iface, BSTR virtualNetworkName, IVMVirtualNetwork **findVirtualNetwork);
HRESULT WINAPI server_CreateVirtualNetwork(IVsDiskVirtualServer *iface, BSTR virtualNetworkName, BSTR virtualNetworkPath, IVMVirtualNetwork **createVirtualNetwork);
HRESULT WINAPI server_DeleteVirtualNetwork(IVsDiskVirtualServer *iface, IVMVirtualNetwork *virtualNetwork);
HRESULT WINAPI server_RegisterVirtualNetwork(IVsDiskVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualNetwork **registerVirtualNetwork);
HRESULT WINAPI server_UnregisterVirtualNetwork(IVsDiskVirtualServer *iface, IVMVirtualNetwork *virtualNetwork);
HRESULT WINAPI server_get_VirtualNetworks(IVsDiskVirtualServer *iface, IVMVirtualNetworkCollection **virtualNetworks);
HRESULT WINAPI server_get_UnconnectedNetworkAdapters(IVsDiskVirtualServer *iface, IVMNetworkAdapterCollection **unconnectedNetworkAdapters);
HRESULT WINAPI server_get_SupportDrivers(IVsDiskVirtualServer *iface, IVMSupportDriverCollection **supportDrivers);
HRESULT WINAPI server_CreateHostDriveVirtualHardDisk(IVsDiskVirtualServer *iface, BSTR imagePath, BSTR HostDriveIdentifier, VARIANT_BOOL reserved, IVMTask **diskTask);
HRESULT WINAPI server_get_VSScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVSScriptsEnabled);
HRESULT WINAPI server_put_VSScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_get_VMScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMScriptsEnabled);
HRESULT WINAPI server_put_VMScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_AttachScriptToEvent(IVsDiskVirtualServer *iface, VMEventType inEventType, BSTR inCommandLine);
HRESULT WINAPI server_RemoveScriptFromEvent(IVsDiskVirtualServer *iface, VMEventType inEventType);
HRESULT WINAPI server_FetchScriptByEvent(IVsDiskVirtualServer *iface, VMEventType inEventType, BSTR *fetchScriptByEvent);
HRESULT WINAPI server_GetConfigurationValue(IVsDiskVirtualServer *iface, BSTR preferenceKey, VARIANT *getConfigurationValue);
HRESULT WINAPI server_SetConfigurationValue(IVsDiskVirtualServer *iface, BSTR preferenceKey, VARIANT preferenceValue);
HRESULT WINAPI server_RemoveConfigurationValue(IVsDiskVirtualServer *iface, BSTR preferenceKey);
HRESULT WINAPI server_VMRCCreateEncryptionCertificateRequest(IVsDiskVirtualServer *iface, BSTR distinguishedName, LONG keyLength, BSTR *outVMRCCreateEncryptionCertificateRequest);
HRESULT WINAPI server_get_VMRCEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMRCEnabled);
HRESULT WINAPI server_put_VMRCEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_get_VMRCAdminAddress(IVsDiskVirtualServer *iface, BSTR *outVMRCAdminAddress);
HRESULT WINAPI server_put_VMRCAdminAddress(IVsDiskVirtualServer *iface, BSTR VMRCAdminAddress);
HRESULT WINAPI server_get_VMRCAdminPortNumber(IVsDiskVirtualServer *iface, LONG *outVMRCAdminPortNumber);
HRESULT WINAPI server_put_VMRCAdminPortNumber(IVsDiskVirtualServer *iface, LONG VMRCAdminPortNumber);
HRESULT WINAPI server_get_VMRCXResolution(IVsDiskVirtualServer *iface, LONG *outVMRCXResolution);
HRESULT WINAPI server_put_VMRCXResolution(IVsDiskVirtualServer *iface, LONG VMRCXResolution);
HRESULT WINAPI server_get_VMRCYResolution(IVsDiskVirtualServer *iface, LONG *outVMRCYResolution);
HRESULT WINAPI server_put_VMRCYResolution(IVsDiskVirtualServer *iface, LONG VMRCYResolution);
HRESULT WINAPI server_get_VMRCEncryptionEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMRCEncryptionEnabled);
HRESULT WINAPI server_put_VMRCEncryptionEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnable);
HRESULT WINAPI server_get_VMRCAuthenticator(IVsDiskVirtualServer *iface, IVMRCAuthenticator **outVMRCAuthenticator);
HRESULT WINAPI server_put_VMRCAuthenticator(IVsDiskVirtualServer *iface, IVMRCAuthenticator *authenticator);
HRESULT WINAPI server_get_VMRCAuthenticators(IVsDiskVirtualServer *iface, IVMRCAuthenticatorCollection **outVMRCAuthenticators);
HRESULT WINAPI server_put_VMRCIdleConnectionTimeoutEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_get_VMRCIdleConnectionTimeoutEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMRCIdleConnectionTimeoutEnabled);
HRESULT WINAPI server_put_VMRCIdleConnectionTimeout(IVsDiskVirtualServer *iface, LONG idleTimeout);
HRESULT WINAPI server_get_VMRCIdleConnectionTimeout(IVsDiskVirtualServer *iface, LONG *outVMRCIdleConnectionTimeout);
HRESULT WINAPI server_get_VMRCEncryptionCertificate(IVsDiskVirtualServer *iface, BSTR *outVMRCEncryptionCertificate);
HRESULT WINAPI server_put_VMRCEncryptionCertificate(IVsDiskVirtualServer *iface, BSTR certificate);
HRESULT WINAPI server_get_VMRCEncryptionCertificateRequest(IVsDiskVirtualServer *iface, BSTR *outVMRCEncryptionCertificateRequest);
HRESULT WINAPI server_get_MinimumMemoryPerVM(IVsDiskVirtualServer *iface, LONG *minimumMemoryPerVM);
HRESULT WINAPI server_get_MaximumMemoryPerVM(IVsDiskVirtualServer *iface, LONG *maximumMemoryPerVM);
HRESULT WINAPI server_get_SuggestedMaximumMemoryPerVM(IVsDiskVirtualServer *iface, LONG *suggestedMaximumMemoryPerVM);
HRESULT WINAPI server_get_MaximumFloppyDrivesPerVM(IVsDiskVirtualServer *iface, LONG *maximumFloppyDrivesPerVM);
HRESULT WINAPI server_get_MaximumSerialPortsPerVM(IVsDiskVirtualServer *iface, LONG *maximumSerialPortsPerVM);
HRESULT WINAPI server_get_MaximumParallelPortsPerVM(IVsDiskVirtualServer *iface, LONG *maximumParallelPortsPerVM);
HRESULT WINAPI server_get_MaximumNetworkAdaptersPerVM(IVsDiskVirtualServer *iface, LONG *maximumNetworkAdaptersPerVM);
HRESULT WINAPI server_get_MaximumNumberOfIDEBuses(IVsDiskVirtualServer *iface, LONG *maximumNumberOfIDEBuses);
HRESULT WINAPI server_get_MaximumNumberOfSCSIControllers(IVsDiskVirtualServer *iface, LONG *maximumNumberOfSCSIControllers);
HRESULT WINAPI server_get_DefaultVMConfigurationPath(IVsDiskVirtualServer *iface, BSTR *defaultVMConfigurationPath);
HRESULT WINAPI server_put_DefaultVMConfigurationPath(IVsDiskVirtualServer *iface, BSTR configurationPath);
HRESULT WINAPI server_get_DefaultVNConfigurationPath(IVsDiskVirtualServer *iface, BSTR *defaultVNConfigurationPath);
HRESULT WINAPI server_GetVirtualMachineFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT_BOOL inExcludedRegisteredVMs, VARIANT *outVirtualMachineFileList);
HRESULT WINAPI server_GetVirtualNetworkFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT_BOOL inExcludedRegisteredVNs, VARIANT *outVirtualNetworkFileList);
HRESULT WINAPI server_GetDVDFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT *outDVDFileList);
HRESULT WINAPI server_get_ProductID(IVsDiskVirtualServer *iface, BSTR *productID);
HRESULT WINAPI server_get_AvailableSystemCapacity(IVsDiskVirtualServer *iface, VARIANT *availableSystemCapacity);
HRESULT WINAPI server_get_Security(IVsDiskVirtualServer *iface, IVMSecurity **security);
HRESULT WINAPI server_put_Security(IVsDiskVirtualServer *iface, IVMSecurity *Security);

#endif
