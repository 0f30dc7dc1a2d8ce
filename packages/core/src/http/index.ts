// The REST API and wake-message shapes shared by the Lambda and Cloud Run hosts (see http/*.ts).
export {};
